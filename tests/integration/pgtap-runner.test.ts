import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const FILES: Record<string, string> = {
	'a-pass.test.sql': `begin; select plan(2); select ok(true, 'one'); select is(1 + 1, 2, 'two'); select * from finish(); rollback;`,
	'b-fail.test.sql': `begin; select plan(2); select ok(true, 'fine'); select is(2, 3, 'two is three'); select * from finish(); rollback;`,
	'c-short.test.sql': `begin; select plan(3); select ok(true, 'only one'); select * from finish(); rollback;`,
	'd-error.test.sql': `begin; select plan(1); select * from no_such_table; select * from finish(); rollback;`,
	'e-commit.test.sql': `begin; select plan(1); create table public.leftover (id int); select ok(true, 'left a table'); select * from finish(); commit;`,
	'f-isolated.test.sql': `begin; select plan(1); select hasnt_table('public', 'leftover', 'another file''s table is not visible'); select * from finish(); rollback;`
};
/** A fixture that collides with supabase/seed.sql's demo tenant. */
const SEED_COLLISION = `begin; select plan(1); insert into public.tenants (slug, name) values ('acme', 'Mine'); select ok(true, 'slug free'); select * from finish(); rollback;`;

function runner(dir: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
	return new Promise((resolve) => {
		const child = spawn(
			process.execPath,
			['--import', 'tsx', 'scripts/test-db.ts', '--dir', dir, ...args],
			{
				env: { ...process.env, DATABASE_URL: '', DB_ENGINE: '' },
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		child.on('exit', (code) => resolve({ code, output }));
	});
}

// Each test starts the runner as a process that migrates a whole database: slow on a loaded machine.
describe('npm run test:db', { timeout: 180_000 }, () => {
	const dir = mkdtempSync(join(tmpdir(), 'pgtap-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('reports each file, isolates files, and fails on failed assertions, plan mismatches and SQL errors', async () => {
		mkdirSync(join(dir, 'database'));
		for (const [name, text] of Object.entries(FILES))
			writeFileSync(join(dir, 'database', name), text);
		const { code, output } = await runner(dir, '--database', 'empty');
		expect(code).toBe(1);
		expect(output).toMatch(/✓ empty: database\/a-pass\.test\.sql {2}2\/2/);
		expect(output).toMatch(/✗ empty: database\/b-fail\.test\.sql {2}1\/2/);
		expect(output).toContain('not ok 2 - two is three');
		expect(output).toMatch(/✗ empty: database\/c-short\.test\.sql[\s\S]*planned 3 tests but ran 1/);
		expect(output).toMatch(
			/✗ empty: database\/d-error\.test\.sql[\s\S]*SQL error 42P01: relation "no_such_table" does not exist/
		);
		expect(output).toMatch(/✓ empty: database\/e-commit\.test\.sql/);
		expect(output).toMatch(/✓ empty: database\/f-isolated\.test\.sql/);
		expect(output).not.toContain('seeded:');
		expect(output).toContain('FAIL: 3/6 file runs (empty database), 6/9 assertions passed');
	});

	it('runs every file on an empty and on a seeded database by default, so a fixture colliding with the seed fails', async () => {
		const both = mkdtempSync(join(tmpdir(), 'pgtap-seed-'));
		writeFileSync(join(both, 'collides.test.sql'), SEED_COLLISION);
		const { code, output } = await runner(both);
		rmSync(both, { recursive: true, force: true });
		expect(output).toMatch(/✓ empty: collides\.test\.sql {2}1\/1/);
		expect(output).toMatch(
			/✗ seeded: collides\.test\.sql[\s\S]*SQL error 23505: duplicate key value violates unique constraint "tenants_slug_key"/
		);
		expect(output).toContain(
			'FAIL: 1/2 file runs (empty and seeded database), 1/1 assertions passed'
		);
		expect(code).toBe(1);
	});

	it('exits 0 when every file passes', async () => {
		const ok = mkdtempSync(join(tmpdir(), 'pgtap-ok-'));
		writeFileSync(join(ok, 'only.test.sql'), FILES['a-pass.test.sql']!);
		const { code, output } = await runner(ok, '--database', 'seeded');
		rmSync(ok, { recursive: true, force: true });
		expect(output).toContain('PASS: 1/1 file runs (seeded database), 2/2 assertions passed');
		expect(code).toBe(0);
	});
});
