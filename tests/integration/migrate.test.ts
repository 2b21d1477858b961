import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	appliedMigrations,
	migrate,
	MigrationError,
	seed
} from '../../src/lib/server/platform/migrate';
import { engineFactories, type TestEngine } from './engines';

const FIRST = `create table public.widgets (id int primary key);\ncomment on table public.widgets is 'w';`;
const SECOND = `create table public.gadgets (id int primary key);\ninsert into public.gadgets values (1);`;

describe.each(engineFactories)('migration runner on %s', (_name, factory) => {
	let t: TestEngine;
	let dir: string;

	beforeEach(async () => {
		t = await factory();
		dir = mkdtempSync(join(tmpdir(), 'migrations-'));
		writeFileSync(join(dir, '20260101000000_widgets.sql'), FIRST);
		writeFileSync(join(dir, '20260101000100_gadgets.sql'), SECOND);
	});
	afterEach(async () => {
		await t.dispose();
		rmSync(dir, { recursive: true, force: true });
	});

	const tables = () =>
		t.engine.session((s) =>
			s.query<{ name: string }>(
				`select tablename as name from pg_tables where schemaname = 'public' order by 1`
			)
		);

	it('applies files in order and records them as the Supabase CLI does; a rerun is a no-op', async () => {
		const first = await migrate(t.engine, { dir, compat: 'auto' });
		expect(first.applied).toEqual(['20260101000000', '20260101000100']);
		const history = await t.engine.session((s) => appliedMigrations(s));
		expect(history.map((h) => [h.version, h.name])).toEqual([
			['20260101000000', 'widgets'],
			['20260101000100', 'gadgets']
		]);
		expect(history[0]!.statements).toEqual([
			'create table public.widgets (id int primary key)',
			"comment on table public.widgets is 'w'"
		]);
		const again = await migrate(t.engine, { dir, compat: 'auto' });
		expect(again.applied).toEqual([]);
		expect((await tables()).map((r) => r.name)).toEqual(['gadgets', 'widgets']);
	});

	it('names the file, the statement and the Postgres error of a broken migration, and keeps the database as it was', async () => {
		await migrate(t.engine, { dir, compat: 'auto' });
		writeFileSync(
			join(dir, '20260101000200_broken.sql'),
			`create table public.half (id int);\ninsert into public.half values (1);\nselect * from public.no_such_table;\n`
		);
		const error = await migrate(t.engine, { dir, compat: 'auto' }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(MigrationError);
		const message = (error as Error).message;
		expect(message).toContain('20260101000200_broken.sql');
		expect(message).toContain('statement 3 of 3 (line 3)');
		expect(message).toContain('select * from public.no_such_table');
		expect(message).toMatch(/42P01.*no_such_table.*does not exist/);
		expect((await tables()).map((r) => r.name)).toEqual(['gadgets', 'widgets']);
		const history = await t.engine.session((s) => appliedMigrations(s));
		expect(history).toHaveLength(2);
	});

	it('refuses to run when an applied migration was edited, naming the file', async () => {
		await migrate(t.engine, { dir, compat: 'auto' });
		writeFileSync(
			join(dir, '20260101000000_widgets.sql'),
			`${FIRST}\ncreate index on public.widgets (id);`
		);
		writeFileSync(join(dir, '20260101000300_more.sql'), 'create table public.more (id int);');
		await expect(migrate(t.engine, { dir, compat: 'auto' })).rejects.toThrow(
			/20260101000000_widgets\.sql was changed after it was applied/
		);
		expect((await tables()).map((r) => r.name)).not.toContain('more');
	});

	it('names a database created by an earlier, squashed history and says how to recreate it', async () => {
		await migrate(t.engine, { dir, compat: 'auto' });
		rmSync(join(dir, '20260101000000_widgets.sql'));
		rmSync(join(dir, '20260101000100_gadgets.sql'));
		writeFileSync(
			join(dir, '20260201000000_things.sql'),
			`${FIRST}\n${SECOND}\ncreate table public.things (id int);`
		);
		const error = (await migrate(t.engine, { dir, compat: 'auto' }).catch(
			(e: unknown) => e
		)) as Error;
		expect(error).toBeInstanceOf(MigrationError);
		expect(error.message).toContain('created by an earlier, squashed migration history');
		expect(error.message).toContain(
			'2 migrations that are no longer files, up to 20260101000100_gadgets'
		);
		expect(error.message).toContain('npm run db:reset');
		expect((await tables()).map((r) => r.name)).toEqual(['gadgets', 'widgets']);
	});

	it('refuses a database that records a migration whose file is gone, and says to recreate it if the history was squashed', async () => {
		await migrate(t.engine, { dir, compat: 'auto' });
		writeFileSync(join(dir, '20260101000200_folded.sql'), 'create table public.folded (id int);');
		await migrate(t.engine, { dir, compat: 'auto' });
		rmSync(join(dir, '20260101000200_folded.sql'));
		writeFileSync(join(dir, '20260101000300_more.sql'), 'create table public.more (id int);');
		const error = (await migrate(t.engine, { dir, compat: 'auto' }).catch(
			(e: unknown) => e
		)) as Error;
		expect(error).toBeInstanceOf(MigrationError);
		expect(error.message).toContain(
			'Migration 20260101000200_folded is recorded as applied but its file is missing'
		);
		expect(error.message).toContain('Restore the file');
		expect(error.message).toContain('If the history was squashed');
		expect(error.message).toContain('docs/decisions/0007-migrations-squashed-by-module.md');
		expect(error.message).toContain('npm run db:reset');
		expect((await tables()).map((r) => r.name)).not.toContain('more');
	});

	it('refuses a new migration dated before the latest applied one', async () => {
		await migrate(t.engine, { dir, compat: 'auto' });
		writeFileSync(join(dir, '20250101000000_late.sql'), 'create table public.late (id int);');
		await expect(migrate(t.engine, { dir, compat: 'auto' })).rejects.toThrow(
			/20250101000000_late\.sql is older than the latest applied migration/
		);
	});

	it('refuses files not named YYYYMMDDHHmmss_name.sql', async () => {
		writeFileSync(join(dir, 'add_things.sql'), 'select 1;');
		await expect(migrate(t.engine, { dir, compat: 'auto' })).rejects.toThrow(
			/add_things\.sql: migration files must be named YYYYMMDDHHmmss_<name>\.sql/
		);
	});

	it('runs migrations as a non-superuser owner, so superuser-only SQL fails here first', async () => {
		writeFileSync(join(dir, '20260101000200_superuser.sql'), 'create role sneaky superuser;');
		const error = (await migrate(t.engine, { dir, compat: 'auto' }).catch(
			(e: unknown) => e
		)) as Error;
		expect(error.message).toContain('20260101000200_superuser.sql');
		expect(error.message).toMatch(/42501/);
		expect(error.message).toContain('non-superuser role tenantry_owner');
		const owner = await t.engine.session((s) =>
			s.query<{ owner: string; superuser: boolean }>(
				`select r.rolname as owner, r.rolsuper as superuser from pg_class c join pg_roles r on r.oid = c.relowner where c.relname = 'widgets'`
			)
		);
		expect(owner).toEqual([{ owner: 'tenantry_owner', superuser: false }]);
	});

	it('applies the real migrations of this repository', async () => {
		const real = mkdtempSync(join(tmpdir(), 'real-'));
		cpSync('supabase/migrations', real, { recursive: true });
		const result = await migrate(t.engine, { dir: real, compat: 'auto' });
		expect(result.applied.length).toBe(result.total);
		expect(result.total).toBeGreaterThan(0);
		rmSync(real, { recursive: true, force: true });
	});

	it('loads the demo seed twice (db:reset over a seeded database) without an error or a duplicate row', async () => {
		const { owner } = await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
		// Rows per table (the logs aside: a second run is itself logged).
		const counts = () =>
			t.engine.session(async (s) => {
				const tables = await s.query<{ name: string }>(
					`select format('%I.%I', schemaname, tablename) as name from pg_tables
					  where schemaname in ('public', 'auth') and tablename not in ('audit_logs', 'audit_log_seals', 'events')
					  order by 1`
				);
				const counted: Record<string, number> = {};
				for (const { name } of tables) {
					const [row] = await s.query<{ n: number }>(`select count(*)::int as n from ${name}`);
					counted[name] = row!.n;
				}
				return counted;
			});
		await seed(t.engine, { file: 'supabase/seed.sql', owner });
		const once = await counts();
		await seed(t.engine, { file: 'supabase/seed.sql', owner, force: true });
		expect(await counts()).toEqual(once);
	});
});
