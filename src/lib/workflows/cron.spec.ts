import { describe, expect, it } from 'vitest';
import { nextTick, parseCron, type CronSchedule } from './cron';

function schedule(expression: string): CronSchedule {
	const parsed = parseCron(expression);
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.schedule;
}

function next(expression: string, after: string, zone = 'UTC'): string | undefined {
	return nextTick(schedule(expression), new Date(after), zone)?.toISOString();
}

describe('parseCron', () => {
	it('reads lists, ranges, steps and names', () => {
		const s = schedule('*/15 9-17 1,15 jan-mar MON-fri');
		expect([...s.minutes]).toEqual([0, 15, 30, 45]);
		expect([...s.hours]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
		expect([...s.days]).toEqual([1, 15]);
		expect([...s.months]).toEqual([1, 2, 3]);
		expect([...s.weekdays]).toEqual([1, 2, 3, 4, 5]);
		expect(schedule('0 0 * * 7').weekdays.has(0)).toBe(true);
	});

	it('refuses a bad expression with a sentence naming the field', () => {
		expect(parseCron('0 9 * *')).toEqual({
			ok: false,
			error:
				'A schedule has five fields (minute hour day month weekday), such as "0 9 * * 1-5"; "0 9 * *" has 4.'
		});
		expect(parseCron('61 * * * *')).toMatchObject({
			ok: false,
			error: 'The minute field "61" must use numbers 0–59.'
		});
		expect(parseCron('0 5-2 * * *')).toMatchObject({
			ok: false,
			error: 'The range "5-2" in the hour field runs backwards.'
		});
		expect(parseCron('*/0 * * * *')).toMatchObject({
			ok: false,
			error: 'The step in the minute field "*/0" must be a number from 1.'
		});
		expect(parseCron('0 0 * foo *')).toMatchObject({
			ok: false,
			error: 'The month field "foo" must use numbers 1–12 or names.'
		});
	});
});

describe('nextTick', () => {
	it('finds the next minute, hour, day and weekday', () => {
		expect(next('*/15 * * * *', '2026-12-01T10:07:30Z')).toBe('2026-12-01T10:15:00.000Z');
		expect(next('0 9 * * 1-5', '2026-12-04T09:00:00Z')).toBe('2026-12-07T09:00:00.000Z'); // Friday → Monday
		expect(next('30 2 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T02:30:00.000Z');
	});

	it('matches either day field when both are restricted (Vixie cron)', () => {
		// The 13th, or any Friday: Friday 4 December comes first.
		expect(next('0 0 13 * 5', '2026-12-01T00:00:00Z')).toBe('2026-12-04T00:00:00.000Z');
	});

	it("works in the tenant's time zone, across daylight saving", () => {
		// 09:00 in Paris is 08:00 UTC in winter, 07:00 UTC in summer.
		expect(next('0 9 * * *', '2026-12-01T12:00:00Z', 'Europe/Paris')).toBe(
			'2026-12-02T08:00:00.000Z'
		);
		expect(next('0 9 * * *', '2026-06-01T12:00:00Z', 'Europe/Paris')).toBe(
			'2026-06-02T07:00:00.000Z'
		);
		// 02:30 does not exist on 29 March 2026 in Paris (02:00 → 03:00): that day is skipped.
		expect(next('30 2 * * *', '2026-03-28T12:00:00Z', 'Europe/Paris')).toBe(
			'2026-03-30T00:30:00.000Z'
		);
		// 02:30 happens twice on 25 October 2026: it runs once, at the first.
		expect(next('30 2 * * *', '2026-10-24T12:00:00Z', 'Europe/Paris')).toBe(
			'2026-10-25T00:30:00.000Z'
		);
		expect(next('30 2 * * *', '2026-10-25T00:30:00Z', 'Europe/Paris')).toBe(
			'2026-10-26T01:30:00.000Z'
		);
	});

	it('answers null for a date that never comes', () => {
		expect(nextTick(schedule('0 0 31 2 *'), new Date('2026-01-01T00:00:00Z'), 'UTC')).toBeNull();
	});
});
