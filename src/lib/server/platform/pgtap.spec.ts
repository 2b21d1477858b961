import { describe, expect, it } from 'vitest';
import { parseTap, tapLines } from './pgtap';

describe('parseTap', () => {
	it('passes a file whose every planned test ran and passed', () => {
		const report = parseTap(['1..2', 'ok 1 - a', 'ok 2 - b']);
		expect(report).toMatchObject({ planned: 2, passed: 2, failed: 0, ok: true });
	});

	it('fails on a failed assertion and keeps its diagnostics', () => {
		const report = parseTap([
			'1..2',
			'ok 1 - a',
			'not ok 2 - b',
			'# Failed test 2: "b"',
			'#   have: 1'
		]);
		expect(report.ok).toBe(false);
		expect(report.failures).toEqual(['not ok 2 - b\n# Failed test 2: "b"\n#   have: 1']);
	});

	it('fails when fewer tests ran than planned, or there is no plan', () => {
		expect(parseTap(['1..3', 'ok 1', 'ok 2']).ok).toBe(false);
		expect(parseTap(['ok 1', 'ok 2']).ok).toBe(false);
		expect(parseTap([]).ok).toBe(false);
	});

	it('counts a stray line starting with "ok" as a test, as pg_prove does, so it breaks the plan', () => {
		const report = parseTap(['1..1', 'ok:1', 'ok 1 - a']);
		expect(report).toMatchObject({ planned: 1, passed: 2, ok: false });
	});

	it('fails on skipped tests: a test that did not run proves nothing', () => {
		const report = parseTap(['1..1', 'ok 1 # SKIP no pgvector']);
		expect(report).toMatchObject({ skipped: 1, ok: false });
	});
});

describe('tapLines', () => {
	it('collects single-text-column rows, splitting multi-line values', () => {
		const lines = tapLines([
			{ rows: [{ plan: '1..1' }] },
			{ rows: [{ ok: 'not ok 1 - x\n# Failed test 1' }] },
			{ rows: [{ id: 1, name: 'not tap' }] }
		]);
		expect(lines).toEqual(['1..1', 'not ok 1 - x', '# Failed test 1']);
	});
});
