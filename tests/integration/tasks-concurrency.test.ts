/**
 * Card moves under concurrency, on a real Postgres server only (TEST_DATABASE_URL): PGlite is a
 * single backend, so it cannot race. Many people — each a request of its own on its own
 * connection, through runWithClaims — move cards into the same gap of a column, or add cards to
 * the same column, at once. public.move_task computes each key under the column's lock from the
 * neighbours as they are then: every move lands, no two cards share a key, and the order is the
 * one asked for. The control: the same moves computed from the neighbours each racer saw (what a
 * client computing keys itself would write) collide.
 *
 * Without TEST_DATABASE_URL the suite is skipped (npm test says the server profile was not exercised).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/lib/server/platform/migrate';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { createTask, moveTask } from '../../src/lib/server/tasks/queries';
import { compareKeys, keyBetween } from '../../src/lib/tasks/fractional';
import { serverFactory, serverUrl, type TestEngine } from './engines';

const RACERS = 20;
const OWNER = 'c0ffee00-0000-4000-8000-000000000421';
const TENANT = 'c0ffee00-0000-4000-8000-0000000004aa';
const TEAM = 'c0ffee00-0000-4000-8000-0000000004bb';
const owner = { sub: OWNER, role: 'authenticated' as const, email: 'owner@board.test' };

const SETUP = `
insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
values ('${OWNER}', 'authenticated', 'authenticated', 'owner@board.test', now(), now(), now());
insert into public.tenants (id, slug, name, status) values ('${TENANT}', 'board', 'Board', 'active');
insert into public.memberships (tenant_id, user_id, is_owner) values ('${TENANT}', '${OWNER}', true);
insert into public.teams (id, tenant_id, name) values ('${TEAM}', '${TENANT}', 'Racers');
`;

/** Runs every attempt at once (each waits inside its open transaction until all are in theirs). */
async function race(attempts: ((ready: () => Promise<void>) => Promise<unknown>)[]) {
	let arrived = 0;
	let release!: () => void;
	const allReady = new Promise<void>((resolve) => (release = resolve));
	const ready = () => {
		if (++arrived === attempts.length) release();
		return allReady;
	};
	const results = await Promise.allSettled(attempts.map((attempt) => attempt(ready)));
	const codes: Record<string, number> = {};
	let ok = 0;
	for (const r of results) {
		if (r.status === 'fulfilled') ok++;
		else {
			const code = (r.reason as { code?: string }).code ?? String(r.reason);
			codes[code] = (codes[code] ?? 0) + 1;
		}
	}
	return { ok, codes };
}

describe.runIf(!!serverUrl)('card order under concurrency (Postgres server)', () => {
	let t: TestEngine;
	const columns: Record<string, string> = {};

	const cardsOf = async (column: string) =>
		(
			await t.engine.session((s) =>
				s.query<{ title: string; position: string }>(
					`select title, position from public.tasks where column_id = '${column}' order by position collate "C"`
				)
			)
		).map((r) => ({ title: r.title, position: r.position }));

	const add = (column: string, title: string) =>
		runWithClaims(t.engine.db, owner, (trx) =>
			createTask(trx, { tenantId: TENANT, teamId: TEAM, columnId: column, title })
		);

	beforeAll(async () => {
		t = await serverFactory(RACERS + 4);
		await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
		await t.engine.session((s) => s.exec(SETUP));
		const rows = await t.engine.session((s) =>
			s.query<{ id: string; name: string }>(
				`select id, name from public.task_columns where team_id = '${TEAM}'`
			)
		);
		for (const r of rows) columns[r.name] = r.id;
		for (let i = 0; i < RACERS; i++) await add(columns['To do']!, `card ${i}`);
		await add(columns['Review']!, 'top');
		await add(columns['Review']!, 'bottom');
	}, 120_000);

	afterAll(async () => {
		await t?.dispose();
	});

	it(`${RACERS} people moving cards into the same gap at once: every card lands between the two, each on its own key`, async () => {
		const [top, bottom] = await cardsOf(columns['Review']!);
		const ids = (
			await t.engine.session((s) =>
				s.query<{ id: string }>(
					`select id from public.tasks where column_id = '${columns['To do']}'`
				)
			)
		).map((r) => r.id);
		const outcome = await race(
			ids.map(
				(id) => (ready: () => Promise<void>) =>
					runWithClaims(t.engine.db, owner, async (trx) => {
						await ready();
						return moveTask(trx, id, columns['Review']!, top!.position, bottom!.position);
					})
			)
		);
		expect(outcome).toEqual({ ok: RACERS, codes: {} });
		const review = await cardsOf(columns['Review']!);
		expect(review).toHaveLength(RACERS + 2);
		expect(review[0]!.title).toBe('top');
		expect(review.at(-1)!.title).toBe('bottom');
		const keys = review.map((c) => c.position);
		expect(new Set(keys).size).toBe(keys.length);
		expect([...keys].sort(compareKeys)).toEqual(keys);
		expect(await cardsOf(columns['To do']!)).toEqual([]);
	});

	it(`${RACERS} people adding cards to one column at once: all at the end, none on a taken key`, async () => {
		const before = await cardsOf(columns['Done']!);
		const outcome = await race(
			Array.from(
				{ length: RACERS },
				(_, i) => (ready: () => Promise<void>) =>
					runWithClaims(t.engine.db, owner, async (trx) => {
						await ready();
						return createTask(trx, {
							tenantId: TENANT,
							teamId: TEAM,
							columnId: columns['Done']!,
							title: `new ${i}`
						});
					})
			)
		);
		expect(outcome).toEqual({ ok: RACERS, codes: {} });
		const done = await cardsOf(columns['Done']!);
		expect(done).toHaveLength(before.length + RACERS);
		expect(new Set(done.map((c) => c.position)).size).toBe(done.length);
	});

	it('many moves in every direction at once leave a strict order in every column', async () => {
		const all = (
			await t.engine.session((s) =>
				s.query<{ id: string }>(`select id from public.tasks where team_id = '${TEAM}' order by id`)
			)
		).map((r) => r.id);
		const names = Object.keys(columns);
		const outcome = await race(
			all.slice(0, RACERS).map(
				(id, i) => (ready: () => Promise<void>) =>
					runWithClaims(t.engine.db, owner, async (trx) => {
						await ready();
						// Alternately to the top and the bottom of a column: the same gaps, over and over.
						return moveTask(trx, id, columns[names[i % names.length]!]!, null, null);
					})
			)
		);
		expect(outcome).toEqual({ ok: RACERS, codes: {} });
		for (const column of Object.values(columns)) {
			const keys = (await cardsOf(column)).map((c) => c.position);
			expect(new Set(keys).size).toBe(keys.length);
		}
	});

	it('the control: keys computed from what each racer saw, without the lock, collide', async () => {
		const [first, second] = await cardsOf(columns['Review']!);
		const key = keyBetween(first!.position, second!.position);
		const ids = (
			await t.engine.session((s) =>
				s.query<{ id: string }>(
					`select id from public.tasks where column_id = '${columns['Done']}' limit 5`
				)
			)
		).map((r) => r.id);
		// The service role writes column and position directly, as a client's own key would be written.
		const outcome = await race(
			ids.map((id) => async (ready: () => Promise<void>) => {
				await ready();
				return t.engine.db
					.transaction()
					.execute((trx) =>
						sql`update public.tasks set column_id = ${columns['Review']!}, position = ${key} where id = ${id}`.execute(
							trx
						)
					);
			})
		);
		expect(outcome.ok).toBe(1);
		expect(outcome.codes).toEqual({ '23505': ids.length - 1 });
	});
});
