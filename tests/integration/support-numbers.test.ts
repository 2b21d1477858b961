/**
 * Ticket numbers under concurrency, on a real Postgres server only (TEST_DATABASE_URL): PGlite is
 * a single backend, so it cannot race. Many connections, each its own transaction as the tenant's
 * owner, open a ticket in one tenant at once (every one inside its transaction before any
 * creates): the numbers are 1..N with no gap and no duplicate; a creation that rolls back takes no
 * number; another tenant counts on its own.
 *
 * Without TEST_DATABASE_URL the suite is skipped (npm test says the server profile was not exercised).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/lib/server/platform/migrate';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { createTicket } from '../../src/lib/server/support/queries';
import { serverFactory, serverUrl, type TestEngine } from './engines';

const RACERS = 32;
const OWNER = 'c0ffee00-0000-4000-8000-000000000601';
const TENANT = 'c0ffee00-0000-4000-8000-0000000006aa';
const OTHER = 'c0ffee00-0000-4000-8000-0000000006bb';

const SETUP = `
insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at) values
  ('${OWNER}', 'authenticated', 'authenticated', 'owner@tickets-race.test', now(), now(), now());
insert into public.tenants (id, slug, name, status) values
  ('${TENANT}', 'tickets-race', 'Tickets race', 'active'), ('${OTHER}', 'tickets-other', 'Other', 'active');
insert into public.memberships (tenant_id, user_id, is_owner) values
  ('${TENANT}', '${OWNER}', true), ('${OTHER}', '${OWNER}', true);
`;

const owner = { sub: OWNER, role: 'authenticated' as const, email: 'owner@tickets-race.test' };
const input = (i: number) => ({
	subject: `Race ${i}`,
	description: 'Opened at the same time as the others.',
	priority: 'medium' as const,
	category: 'general' as const,
	project: null
});

describe.runIf(!!serverUrl)('ticket numbers under concurrency (Postgres server)', () => {
	let t: TestEngine;
	const numbers = async (tenant: string) =>
		(
			await t.engine.session((s) =>
				s.query<{ number: number }>(
					`select number from public.support_tickets where tenant_id = '${tenant}' order by number`
				)
			)
		).map((r) => Number(r.number));

	beforeAll(async () => {
		t = await serverFactory(RACERS + 4);
		await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
		await t.engine.session((s) => s.exec(SETUP));
	}, 120_000);

	afterAll(async () => {
		await t?.dispose();
	});

	it(`${RACERS} parallel creations in one tenant are numbered 1..${RACERS}, no gaps, no duplicates`, async () => {
		let arrived = 0;
		let release!: () => void;
		const allReady = new Promise<void>((resolve) => (release = resolve));
		const results = await Promise.allSettled(
			Array.from({ length: RACERS }, (_, i) =>
				runWithClaims(t.engine.db, owner, async (trx) => {
					// Every racer holds its connection and transaction before any of them creates.
					if (++arrived === RACERS) release();
					await allReady;
					return createTicket(trx, TENANT, input(i));
				})
			)
		);
		expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
		const given = results.map((r) => (r.status === 'fulfilled' ? r.value.number : 0));
		expect([...given].sort((a, b) => a - b)).toEqual(
			Array.from({ length: RACERS }, (_, i) => i + 1)
		);
		expect(await numbers(TENANT)).toEqual(Array.from({ length: RACERS }, (_, i) => i + 1));
	});

	it('a creation that rolls back takes no number; another tenant counts from 1', async () => {
		await expect(
			runWithClaims(t.engine.db, owner, async (trx) => {
				await createTicket(trx, TENANT, input(99));
				throw new Error('rolled back on purpose');
			})
		).rejects.toThrow('rolled back on purpose');
		const next = await runWithClaims(t.engine.db, owner, (trx) =>
			createTicket(trx, TENANT, input(100))
		);
		expect(next.number).toBe(RACERS + 1);
		const other = await runWithClaims(t.engine.db, owner, (trx) =>
			createTicket(trx, OTHER, input(0))
		);
		expect(other.number).toBe(1);
		expect(
			await t.engine.session((s) =>
				s.query<{ n: string }>(
					`select count(*) as n from public.events where tenant_id = '${TENANT}' and type = 'ticket.created'`
				)
			)
		).toEqual([{ n: String(RACERS + 1) }]);
	});
});
