/**
 * Quotas under concurrency, on a real Postgres server only (TEST_DATABASE_URL): PGlite is a single
 * backend, so it cannot race. A tenant is put one below a limit, then many requests — each its own
 * transaction on its own connection, as the tenant's owner through runWithClaims — try to take the
 * last slot at once. Exactly one may win, and the limit is never exceeded.
 *
 * Without TEST_DATABASE_URL the suite is skipped (npm test says the server profile was not exercised).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../src/lib/server/platform/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/lib/server/platform/migrate';
import { runWithClaims, type Claims } from '../../src/lib/server/platform/rls';
import { serverFactory, serverUrl, type TestEngine } from './engines';

const RACERS = 24;
const OWNER = 'c0ffee00-0000-4000-8000-000000000001';
const MEMBER = 'c0ffee00-0000-4000-8000-000000000002';
const INVITEE = 'c0ffee00-0000-4000-8000-000000000003';
const STAFF = 'c0ffee00-0000-4000-8000-000000000004';
const TENANT = 'c0ffee00-0000-4000-8000-0000000000aa';

/** The free plan: 3 members, 2 projects, 10,000 API calls a month. */
const SETUP = `
insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at) values
  ('${OWNER}', 'authenticated', 'authenticated', 'owner@race.test', now(), now(), now()),
  ('${MEMBER}', 'authenticated', 'authenticated', 'member@race.test', now(), now(), now()),
  ('${INVITEE}', 'authenticated', 'authenticated', 'invitee@race.test', now(), now(), now()),
  ('${STAFF}', 'authenticated', 'authenticated', 'billing@race.test', now(), now(), now());
insert into public.platform_staff (user_id, role) values ('${STAFF}', 'billing_admin');
insert into public.tenants (id, slug, name, status) values ('${TENANT}', 'race', 'Race', 'active');
insert into public.memberships (tenant_id, user_id, is_owner) values ('${TENANT}', '${OWNER}', true);
insert into public.subscriptions (tenant_id, plan_id, status, current_period_start)
select '${TENANT}', id, 'active', now() from public.plans where code = 'free';
`;

const owner = { sub: OWNER, role: 'authenticated' as const, email: 'owner@race.test' };
const staff = { sub: STAFF, role: 'authenticated' as const, email: 'billing@race.test' };

interface Outcome {
	ok: number;
	codes: Record<string, number>;
}

/**
 * Runs every attempt at once and tallies successes and SQLSTATEs. Each attempt receives `ready`:
 * awaiting it inside its transaction (claims set, connection held) holds every attempt until all of
 * them are open, so the statements that race really are concurrent.
 */
async function race(
	attempts: ((ready: () => Promise<void>) => Promise<unknown>)[]
): Promise<Outcome> {
	let arrived = 0;
	let release!: () => void;
	const allReady = new Promise<void>((resolve) => (release = resolve));
	const ready = () => {
		if (++arrived === attempts.length) release();
		return allReady;
	};
	const results = await Promise.allSettled(attempts.map((attempt) => attempt(ready)));
	const outcome: Outcome = { ok: 0, codes: {} };
	for (const result of results) {
		if (result.status === 'fulfilled') outcome.ok++;
		else {
			const code = (result.reason as { code?: string }).code ?? String(result.reason);
			outcome.codes[code] = (outcome.codes[code] ?? 0) + 1;
		}
	}
	return outcome;
}

describe.runIf(!!serverUrl)('quotas under concurrency (Postgres server)', () => {
	let t: TestEngine;
	const scalar = async (query: string) => {
		const rows = await t.engine.session((s) => s.query<{ n: string }>(query));
		return Number(rows[0]!.n);
	};

	/** One racer: a request as `claims` that waits, inside its transaction, until all racers are in theirs. */
	const attempt =
		(claims: Claims, query: (trx: Transaction<DB>) => Promise<unknown>) =>
		(ready: () => Promise<void>) =>
			runWithClaims(t.engine.db, claims, async (trx) => {
				await ready();
				return query(trx);
			});

	beforeAll(async () => {
		t = await serverFactory(RACERS + 4);
		await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
		await t.engine.session((s) => s.exec(SETUP));
	}, 120_000);

	afterAll(async () => {
		await t?.dispose();
	});

	it('projects: one below the limit, only one of many concurrent creations succeeds', async () => {
		await runWithClaims(t.engine.db, owner, (trx) =>
			sql`insert into public.projects (tenant_id, slug, name) values (${TENANT}, 'first', 'First')`.execute(
				trx
			)
		);
		const outcome = await race(
			Array.from({ length: RACERS }, (_, i) =>
				attempt(owner, (trx) =>
					sql`insert into public.projects (tenant_id, slug, name)
						    values (${TENANT}, ${`p-${i}`}, ${`Project ${i}`})`.execute(trx)
				)
			)
		);
		expect(outcome).toEqual({ ok: 1, codes: { TN070: RACERS - 1 } });
		expect(
			await scalar(`select count(*) as n from public.projects where tenant_id = '${TENANT}'`)
		).toBe(2);
	});

	it('members: concurrent invitations take the last seat once; the accept and the invitations never pass the limit', async () => {
		await t.engine.session((s) =>
			s.exec(
				`insert into public.memberships (tenant_id, user_id) values ('${TENANT}', '${MEMBER}')`
			)
		);
		const invites = await race(
			Array.from({ length: RACERS }, (_, i) =>
				attempt(owner, (trx) =>
					sql`select public.invite_member(${TENANT}, ${i === 0 ? 'invitee@race.test' : `someone${i}@race.test`})`.execute(
						trx
					)
				)
			)
		);
		expect(invites).toEqual({ ok: 1, codes: { TN070: RACERS - 1 } });
		const seats = `select (select count(*) from public.memberships where tenant_id = '${TENANT}')
		  + (select count(*) from public.invitations where tenant_id = '${TENANT}' and accepted_at is null and revoked_at is null) as n`;
		expect(await scalar(seats)).toBe(3);

		// The seat goes to the invitee instead, who joins while more invitations race for it.
		await t.engine.session((s) =>
			s.exec(`update public.invitations set revoked_at = now() where tenant_id = '${TENANT}';
			  insert into public.invitations (tenant_id, email, token_hash, expires_at)
			  values ('${TENANT}', 'invitee@race.test', sha256(convert_to('race-token', 'UTF8')), now() + interval '1 day')`)
		);
		const joiner = { sub: INVITEE, role: 'authenticated' as const, email: 'invitee@race.test' };
		const mixed = await race([
			attempt(joiner, (trx) => sql`select public.accept_invitation('race-token')`.execute(trx)),
			...Array.from({ length: RACERS - 1 }, (_, i) =>
				attempt(owner, (trx) =>
					sql`select public.invite_member(${TENANT}, ${`late${i}@race.test`})`.execute(trx)
				)
			)
		]);
		expect(mixed).toEqual({ ok: 1, codes: { TN070: RACERS - 1 } });
		expect(
			await scalar(`select count(*) as n from public.memberships where tenant_id = '${TENANT}'`)
		).toBe(3);
		expect(await scalar(seats)).toBe(3);
	});

	it('metered usage: one call below the hard limit, only one of many concurrent records is counted', async () => {
		await t.engine.session((s) =>
			s.exec(`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
			  values ('${TENANT}', 'api_calls', 9999, 'bulk')`)
		);
		const outcome = await race(
			Array.from({ length: RACERS }, (_, i) =>
				attempt(owner, (trx) =>
					sql`select * from public.record_usage(${TENANT}, 'api_calls', 1, ${`call-${i}`})`.execute(
						trx
					)
				)
			)
		);
		expect(outcome).toEqual({ ok: 1, codes: { TN071: RACERS - 1 } });
		expect(
			await scalar(
				`select quantity as n from public.usage_counters where tenant_id = '${TENANT}' and metric = 'api_calls'`
			)
		).toBe(10_000);
		expect(
			await scalar(
				`select sum(quantity) as n from public.usage_events where tenant_id = '${TENANT}'`
			)
		).toBe(10_000);
	});

	it('usage corrections: concurrent negative corrections never take a total below zero', async () => {
		await t.engine.session((s) =>
			s.exec(`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
			  values ('${TENANT}', 'compute_minutes', 60, 'minutes')`)
		);
		const outcome = await race(
			Array.from({ length: RACERS }, () =>
				attempt(staff, (trx) =>
					sql`select public.admin_correct_usage(${TENANT}, 'compute_minutes', -10, 'race')`.execute(
						trx
					)
				)
			)
		);
		expect(outcome).toEqual({ ok: 6, codes: { TN076: RACERS - 6 } });
		expect(
			await scalar(
				`select quantity as n from public.usage_counters where tenant_id = '${TENANT}' and metric = 'compute_minutes'`
			)
		).toBe(0);
	});
});
