import { describe, expect, it } from 'vitest';
import type { AuditRow } from './queries';
import { csvCell, csvHeader, csvLine, ndjsonLine } from './export';

const row: AuditRow = {
	id: '42',
	tenantId: null,
	tenantName: null,
	at: '2026-11-22T06:43:10.123456Z',
	createdAt: new Date('2026-11-22T06:43:10.123Z'),
	actorType: 'user',
	actorId: 'a0000000-0000-4000-8000-000000000011',
	actorJob: null,
	actorEmail: 'owner@acme.test',
	action: 'projects.update',
	targetType: 'projects',
	targetId: 'p1',
	oldValues: { name: 'Old' },
	newValues: { name: '=HYPERLINK("http://evil")' },
	ip: '203.0.113.9',
	userAgent: 'Mozilla "quoted", with comma\nand a line'
};

describe('csvCell', () => {
	it('quotes every cell and doubles quotes', () => {
		expect(csvCell('plain')).toBe('"plain"');
		expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
		expect(csvCell(null)).toBe('');
	});

	it('defuses every formula trigger with an apostrophe', () => {
		for (const start of ['=', '+', '-', '@', '\t', '\r']) {
			expect(csvCell(`${start}1+1`)).toBe(`"'${start}1+1"`);
		}
		expect(csvCell('a=1')).toBe('"a=1"');
	});
});

describe('lines', () => {
	it('writes one CSV record per row, in the header order', () => {
		expect(csvHeader()).toBe(
			'id,created_at,actor_type,actor,action,target_type,target_id,old_values,new_values,ip,user_agent\r\n'
		);
		const line = csvLine(row);
		expect(line.endsWith('\r\n')).toBe(true);
		expect(line.startsWith('"42","2026-11-22T06:43:10.123456Z","user","owner@acme.test"')).toBe(
			true
		);
		expect(line).toContain('"{""name"":""=HYPERLINK(\\""http://evil\\"")""}"');
		expect(line).toContain('"Mozilla ""quoted"", with comma\nand a line"');
	});

	it('writes one JSON object per NDJSON line, values kept as JSON', () => {
		const line = ndjsonLine(row);
		expect(line.endsWith('\n')).toBe(true);
		expect(line.slice(0, -1)).not.toContain('\n');
		const parsed = JSON.parse(line);
		expect(parsed).toMatchObject({
			id: '42',
			actor_email: 'owner@acme.test',
			new_values: row.newValues
		});
	});
});
