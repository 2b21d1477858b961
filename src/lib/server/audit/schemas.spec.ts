import { describe, expect, it } from 'vitest';
import { parseAuditQuery } from './schemas';

const parse = (query: string) => parseAuditQuery(new URLSearchParams(query));

describe('parseAuditQuery', () => {
	it('treats empty fields as no filter and trims the rest', () => {
		expect(parse('actor=&action=%20teams.%20&from=&to=')).toEqual({
			ok: true,
			filter: {
				actor: undefined,
				action: 'teams.',
				target_type: undefined,
				target_id: undefined,
				from: undefined,
				to: undefined
			},
			before: undefined,
			after: undefined
		});
	});

	it('answers bad dates and a reversed range with field errors', () => {
		expect(parse('from=2026-02-30')).toMatchObject({
			ok: false,
			errors: { from: ['That date does not exist.'] }
		});
		expect(parse('from=2026-13-01')).toMatchObject({
			ok: false,
			errors: { from: ['That date does not exist.'] }
		});
		expect(parse('to=22/11/2026')).toMatchObject({
			ok: false,
			errors: { to: ['Use a date like 2026-11-22.'] }
		});
		expect(parse('from=2026-11-22&to=2026-11-21')).toMatchObject({
			ok: false,
			errors: { to: ['The end date is before the start date.'] }
		});
	});

	it('reads a cursor to the microsecond, ignores a malformed one, and prefers before to after', () => {
		const at = '2026-11-22T06:43:10.123456Z';
		expect(parse(`before=${at}_42`)).toMatchObject({ ok: true, before: { at, id: '42' } });
		expect(parse(`after=${at}_42`)).toMatchObject({ ok: true, after: { at, id: '42' } });
		expect(parse(`before=${at}_42&after=${at}_7`)).toMatchObject({
			before: { id: '42' },
			after: undefined
		});
		for (const bad of [
			'2026-11-22T06:43:10.123Z_42',
			'2026-02-30T06:43:10.123456Z_42',
			'2026-11-22T24:00:00.000000Z_42',
			`${at}_x`,
			`${at}_1;drop`,
			`${at}_9999999999999999999`,
			''
		]) {
			expect(parse(`before=${encodeURIComponent(bad)}`)).toMatchObject({
				ok: true,
				before: undefined
			});
		}
	});
});
