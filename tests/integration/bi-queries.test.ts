/**
 * Saved queries' escapes (issue 18 §3), on both engines: a query runs as tenantry_analytics over
 * the analytics views only, read-only, within its timeout and row limit — it cannot read another
 * tenant's rows, the catalogs or another schema, call a security definer or a lock function,
 * sleep, write or lock; parameters are bound, never interpolated.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery, QueryRefused, type RunOptions } from '../../src/lib/server/bi/run';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { seeded } from '../support/database';
import { engineFactories, serverFactory, serverUrl, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const ACME_OWNER = 'a0000000-0000-4000-8000-000000000011';
const GLOBEX_OWNER = 'a0000000-0000-4000-8000-000000000021';

describe.each(engineFactories)('saved queries on %s', (_name, factory) => {
	let t: TestEngine;
	beforeAll(async () => {
		t = await seeded(factory);
	});
	afterAll(() => t.dispose());

	const run = (options: Partial<RunOptions> & { sql: string }, user = ACME_OWNER) =>
		runWithClaims(t.engine.db, { sub: user, role: 'authenticated' }, (trx) =>
			runQuery(trx, { tenantId: ACME, ...options })
		);
	const refusal = async (options: Partial<RunOptions> & { sql: string }, user = ACME_OWNER) => {
		try {
			await run(options, user);
		} catch (error) {
			if (process.env.BI_DEBUG) console.log(options.sql, (error as Error).message);
			return (error as QueryRefused).code;
		}
		throw new Error(`the query ran: ${options.sql}`);
	};

	it("reads the tenant's own rows through the views, and only them", async () => {
		const own = await run({
			sql: 'select tenant_id, count(*) as n from projects group by tenant_id'
		});
		expect(own.columns).toEqual(['tenant_id', 'n']);
		expect(own.rows.map((r) => r.tenant_id)).toEqual([ACME]);
		expect(Number(own.rows[0]!.n)).toBeGreaterThan(0);
		// Naming the other tenant finds nothing; globex's owner asking for acme sees nothing either.
		const other = await run({ sql: `select * from projects where tenant_id = '${GLOBEX}'` });
		expect(other.rows).toEqual([]);
	});

	it('refuses the catalogs, other schemas and views over them', async () => {
		expect(await refusal({ sql: 'select * from pg_class' })).toBe('TN525');
		expect(await refusal({ sql: 'select * from pg_catalog.pg_roles' })).toBe('TN525');
		expect(await refusal({ sql: 'select * from information_schema.tables' })).toBe('TN525');
		expect(await refusal({ sql: 'select * from public.projects' })).toBe('TN525');
		expect(await refusal({ sql: 'select * from private.email_outbox' })).toBe('TN525');
		expect(
			await refusal({ sql: 'select p.id, u.email from projects p join auth.users u on true' })
		).toBe('TN525');
	});

	it('refuses functions off the allow-list: definer RPCs, sleep, settings, locks', async () => {
		expect(await refusal({ sql: `select public.usage_summary('${ACME}')` })).toBe('TN526');
		expect(await refusal({ sql: 'select private.permitted_tenant_ids()' })).toBe('TN526');
		expect(await refusal({ sql: 'select pg_sleep(5) is null as slept' })).toBe('TN526');
		expect(await refusal({ sql: 'select 1 as one from pg_sleep(5)' })).toBe('TN526');
		expect(
			await refusal({ sql: "select set_config('tenantry.analytics_tenant', 'x', false)" })
		).toBe('TN526');
		expect(await refusal({ sql: "select current_setting('request.jwt.claims')" })).toBe('TN526');
		expect(await refusal({ sql: 'select pg_try_advisory_lock(1) as locked' })).toBe('TN526');
		expect(await refusal({ sql: "select 'pg_class'::regclass" })).toBe('TN526');
		expect(await refusal({ sql: 'select * from generate_series(1, 10)' })).toBe('TN526');
	});

	it('refuses writes, several statements and row locks', async () => {
		expect(await refusal({ sql: "delete from projects where name = 'x'" })).toBe('TN524');
		expect(await refusal({ sql: 'select 1; select 2' })).toBe('TN524');
		expect(
			await refusal({ sql: 'with d as (delete from projects returning *) select * from d' })
		).toBe('TN524');
		expect(await refusal({ sql: 'select * from projects for update' })).toBe('TN524');
		expect(
			await refusal({ sql: 'select 1) w cross join generate_series(1, 3) z cross join (select 1' })
		).toBe('TN524');
	});

	it('binds typed parameters and the time range, never interpolating them', async () => {
		const parameters = [{ name: 'needle', type: 'text' as const }];
		const bound = await run({
			sql: "select analytics.param_text('needle') as v, count(*) as n from projects where name = analytics.param_text('needle')",
			parameters,
			values: { needle: "x' or '1'='1" }
		});
		expect(bound.rows).toEqual([{ v: "x' or '1'='1", n: expect.anything() }]);
		expect(Number(bound.rows[0]!.n)).toBe(0);
		const ranged = await run({
			sql: 'select analytics.range_start() as s',
			range: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }
		});
		expect(new Date(ranged.rows[0]!.s as string).toISOString()).toBe('2026-01-01T00:00:00.000Z');
		expect(
			await refusal({
				sql: "select analytics.param_integer('n') as n",
				parameters: [{ name: 'n', type: 'integer' }],
				values: { n: '1; drop table projects' }
			})
		).toBe('TN527');
	});

	it('keeps to the row limit and leaves the transaction as it was', async () => {
		const result = await runWithClaims(t.engine.db, { sub: ACME_OWNER }, async (trx) => {
			const limited = await runQuery(trx, {
				tenantId: ACME,
				sql: 'select * from usage_events',
				rowLimit: 3
			});
			const { rows } = await sql<{
				role: string;
				ro: string;
				path: string;
			}>`select current_user as role, current_setting('transaction_read_only') as ro,
				current_setting('search_path') as path`.execute(trx);
			return { limited, after: rows[0]! };
		});
		expect(result.limited.rows).toHaveLength(3);
		expect(result.limited.truncated).toBe(true);
		expect(result.after.role).toBe('authenticated');
		expect(result.after.ro).toBe('off');
		expect(result.after.path).not.toContain('analytics');
	});

	it('refuses a tenant the caller does not belong to', async () => {
		expect(await refusal({ sql: 'select 1 as one' }, GLOBEX_OWNER)).toBe('TN002');
	});
});

// PGlite runs in this process's one thread and cannot cancel a statement, so the timeout is proven
// on Postgres 15 (CI sets TEST_DATABASE_URL; docs/bi.md says the embedded engine has no timeout).
describe('saved queries on Postgres 15', () => {
	it('stops a query past its statement timeout', async () => {
		if (!serverUrl)
			throw new Error(
				'TEST_DATABASE_URL is not set: this test needs Postgres 15 (bash scripts/postgres15.sh)'
			);
		const t = await seeded(() => serverFactory());
		try {
			const started = Date.now();
			const code = await runWithClaims(
				t.engine.db,
				{ sub: ACME_OWNER, role: 'authenticated' },
				(trx) =>
					runQuery(trx, {
						tenantId: ACME,
						sql: 'select count(*) from usage_events a, usage_events b, usage_events c, usage_events d',
						timeoutMs: 300
					})
			).then(
				() => 'ran',
				(error: QueryRefused) => error.code
			);
			expect(code).toBe('TN528');
			expect(Date.now() - started).toBeLessThan(5000);
		} finally {
			await t.dispose();
		}
	});
});
