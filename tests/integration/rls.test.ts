import { sql, type Kysely } from 'kysely';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import type { Engine } from '../../src/lib/server/platform/engine';
import { migrate } from '../../src/lib/server/platform/migrate';
import { runAsServiceRole, runWithClaims, type SystemJob } from '../../src/lib/server/platform/rls';
import { embeddedFactory, serverFactory, serverUrl, type TestEngine } from './engines';

const ALICE = '00000000-0000-4000-8000-00000000a11c';
const BOB = '00000000-0000-4000-8000-0000000000b0';

/** A probe table with an owner-only policy, migrated after the real schema. */
const PROBE = `
create table public.notes (
  id bigint generated always as identity primary key,
  owner_id uuid not null default auth.uid(),
  body text not null check (length(body) > 0)
);
alter table public.notes enable row level security;
grant select, insert on public.notes to authenticated;
grant select on public.notes to anon;
create policy notes_select_owner on public.notes for select to authenticated using (owner_id = (select auth.uid()));
create policy notes_insert_owner on public.notes for insert to authenticated with check (owner_id = (select auth.uid()));
`;

interface Row {
	owner_id: string;
	body: string;
}
const notes = (trx: Kysely<DB>) =>
	sql<Row>`select owner_id, body from public.notes order by id`.execute(trx);
const insertNote = (trx: Kysely<DB>, body: string, owner?: string) =>
	owner
		? sql`insert into public.notes (owner_id, body) values (${owner}, ${body})`.execute(trx)
		: sql`insert into public.notes (body) values (${body})`.execute(trx);
const whoAmI = (db: Kysely<DB>) =>
	sql<{ role: string; claims: string | null; uid: string | null }>`select current_user as role,
	  nullif(current_setting('request.jwt.claims', true), '') as claims, auth.uid() as uid`.execute(db);

const setups: [string, (poolMax: number) => Promise<TestEngine>][] = [
	['embedded', () => embeddedFactory()],
	...(serverUrl
		? ([['server (Postgres, pool of 1)', (n: number) => serverFactory(n)]] as [
				string,
				(poolMax: number) => Promise<TestEngine>
			][])
		: [])
];

describe.each(setups)('the request transaction on %s', (_name, open) => {
	let t: TestEngine;
	let engine: Engine;
	const dir = mkdtempSync(join(tmpdir(), 'rls-'));

	beforeAll(async () => {
		cpSync('supabase/migrations', dir, { recursive: true });
		writeFileSync(join(dir, '29991231000000_rls_probe.sql'), PROBE);
		t = await open(1);
		engine = t.engine;
		await migrate(engine, { dir, compat: 'auto' });
		await runWithClaims(engine.db, { sub: ALICE }, (trx) => insertNote(trx, 'alice 1'));
		await runWithClaims(engine.db, { sub: BOB }, (trx) => insertNote(trx, 'bob 1'));
	});
	afterAll(async () => {
		await t.dispose();
		rmSync(dir, { recursive: true, force: true });
	});

	it('applies RLS: each caller sees only their own rows, anon sees none', async () => {
		const alice = await runWithClaims(engine.db, { sub: ALICE }, notes);
		expect(alice.rows).toEqual([{ owner_id: ALICE, body: 'alice 1' }]);
		const bob = await runWithClaims(engine.db, { sub: BOB }, notes);
		expect(bob.rows).toEqual([{ owner_id: BOB, body: 'bob 1' }]);
		const anon = await runWithClaims(engine.db, null, notes);
		expect(anon.rows).toEqual([]);
	});

	it('runs as authenticated with the claims PostgREST would set', async () => {
		const [me] = (
			await runWithClaims(engine.db, { sub: ALICE, aal: 'aal2', email: 'a@x.test' }, whoAmI)
		).rows;
		expect(me!.role).toBe('authenticated');
		expect(me!.uid).toBe(ALICE);
		expect(JSON.parse(me!.claims!)).toMatchObject({
			sub: ALICE,
			role: 'authenticated',
			aal: 'aal2'
		});
	});

	it('refuses a write the policy does not allow', async () => {
		await expect(
			runWithClaims(engine.db, { sub: ALICE }, (trx) => insertNote(trx, 'forged', BOB))
		).rejects.toThrow(/row-level security/);
	});

	it('rolls everything back when the function throws', async () => {
		await expect(
			runWithClaims(engine.db, { sub: ALICE }, async (trx) => {
				await insertNote(trx, 'alice 2');
				throw new Error('boom');
			})
		).rejects.toThrow('boom');
		await expect(
			runWithClaims(engine.db, { sub: ALICE }, async (trx) => {
				await insertNote(trx, 'alice 3');
				await insertNote(trx, '');
			})
		).rejects.toThrow(/check constraint/);
		const alice = await runWithClaims(engine.db, { sub: ALICE }, notes);
		expect(alice.rows.map((r) => r.body)).toEqual(['alice 1']);
	});

	it('leaks neither role nor claims into the next request on the same connection', async () => {
		const session = (await whoAmI(engine.db)).rows[0]!;
		await runWithClaims(engine.db, { sub: ALICE }, notes);
		await runWithClaims(engine.db, { sub: ALICE }, () => Promise.reject(new Error('x'))).catch(
			() => {}
		);
		await runWithClaims(engine.db, { sub: ALICE }, (trx) =>
			sql`select * from no_such_table`.execute(trx)
		).catch(() => {});
		const after = (await whoAmI(engine.db)).rows[0]!;
		expect(after).toEqual({ role: session.role, claims: null, uid: null });
		expect(after.role).not.toBe('authenticated');
		const anon = (await runWithClaims(engine.db, null, whoAmI)).rows[0]!;
		expect(anon.role).toBe('anon');
		expect(anon.uid).toBeNull();
	});

	it('keeps concurrent requests apart', async () => {
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				runWithClaims(engine.db, { sub: i % 2 ? ALICE : BOB }, async (trx) => {
					const rows = (await notes(trx)).rows;
					return { expected: i % 2 ? ALICE : BOB, owners: rows.map((r) => r.owner_id) };
				})
			)
		);
		for (const r of results) expect(new Set(r.owners)).toEqual(new Set([r.expected]));
	});

	it('lets a named system job run as service_role, bypassing RLS', async () => {
		const all = await runAsServiceRole(engine.db, 'db.seed', notes);
		expect(all.rows).toHaveLength(2);
		const [me] = (await runAsServiceRole(engine.db, 'db.seed', whoAmI)).rows;
		expect(me!.role).toBe('service_role');
		expect(JSON.parse(me!.claims!)).toEqual({ role: 'service_role', job: 'db.seed' });
	});

	it('refuses unnamed jobs and claims that try to become service_role', async () => {
		await expect(runAsServiceRole(engine.db, 'anything' as SystemJob, notes)).rejects.toThrow(
			/not a registered system job/
		);
		await expect(
			runWithClaims(engine.db, { sub: ALICE, role: 'service_role' as 'authenticated' }, notes)
		).rejects.toThrow();
		await expect(runWithClaims(engine.db, { sub: 'not-a-uuid' }, notes)).rejects.toThrow();
	});
});
