/**
 * npm run bench -- usage [--batch N] [--tenants N] [--max N]
 *
 * Metered usage: how fast usage events are ingested, and what the daily rollup costs as events
 * accumulate. 100 tenants (default) on the business plan; events are API calls spread over the last
 * 30 days, ingested by the service role in batches of 1,000 (one INSERT … SELECT per batch, each
 * statement firing the counters trigger: one upsert per tenant and month, the hard-limit check and
 * the soft-limit flag). At 10k, 100k and 1M events in the table the bench measures:
 *
 *   ingest      events/s of the batches that brought the table to that size
 *   full        private.rollup_usage_daily() over every day (rebuilds usage_daily from all events)
 *   daily       the scheduled call: the last two days and today (~1/10 of the events here)
 *
 * and prints each cost per 1k events and as a ratio of the 10k figure, side by side, so the growth
 * (linear or not) is read off directly. Single-event transactions through record_usage() are timed
 * for comparison with batching, alternately with a copy that skips the usage.record audit row each
 * call writes, so the audit's cost is read off as a ratio.
 */
import { sql } from 'kysely';
import type { Engine } from '../src/lib/server/platform/engine';
import { runWithClaims } from '../src/lib/server/platform/rls';
import { argValue, asServiceRole, compare, fmt, forEachEngine, table } from './_setup';

const STEPS = [10_000, 100_000, 1_000_000];
const OWNER = '00000000-0000-4000-8000-00000000be0c';

interface Step {
	events: number;
	ingestPerSecond: number;
	fullMs: number;
	dailyMs: number;
	dailyRows: number;
}

export async function run(args: string[]): Promise<void> {
	const batch = Number(argValue(args, '--batch') ?? 1000);
	const tenants = Number(argValue(args, '--tenants') ?? 100);
	const max = Number(argValue(args, '--max') ?? STEPS[STEPS.length - 1]);
	const steps = STEPS.filter((s) => s <= max);
	console.log(
		`bench usage: ${tenants} tenants on the business plan, batches of ${batch.toLocaleString('en')} events, ` +
			`steps ${steps.map((s) => s.toLocaleString('en')).join(' / ')}`
	);
	await forEachEngine('usage', async (engine, name) => {
		console.log(`\n=== ${name} ===`);
		await load(engine, tenants);
		const results: Step[] = [];
		let inserted = 0;
		for (const target of steps) {
			const started = performance.now();
			while (inserted < target) {
				const size = Math.min(batch, target - inserted);
				await ingest(engine, inserted, size, tenants);
				inserted += size;
			}
			const seconds = (performance.now() - started) / 1000;
			const fullMs = await timed(engine, () => rollup(engine, '2000-01-01'));
			const daily = await timedWithRows(engine, () => rollup(engine, null));
			results.push({
				events: target,
				ingestPerSecond: (target - (results.at(-1)?.events ?? 0)) / seconds,
				fullMs,
				dailyMs: daily.ms,
				dailyRows: daily.rows
			});
			console.log(
				`${target.toLocaleString('en')} events: ingested at ${Math.round(results.at(-1)!.ingestPerSecond).toLocaleString('en')} events/s, ` +
					`full rollup ${fmt(fullMs)} ms, daily rollup ${fmt(daily.ms)} ms`
			);
		}
		const base = results[0]!;
		console.log(
			'\n' +
				table([
					[
						'events',
						'ingest events/s',
						'full rollup ms',
						'per 1k events',
						'÷ 10k',
						'daily rollup ms',
						'÷ 10k'
					],
					...results.map((r) => [
						r.events.toLocaleString('en'),
						Math.round(r.ingestPerSecond).toLocaleString('en'),
						fmt(r.fullMs),
						fmt((r.fullMs / r.events) * 1000),
						(r.fullMs / base.fullMs).toFixed(1) + '×',
						fmt(r.dailyMs),
						(r.dailyMs / base.dailyMs).toFixed(1) + '×'
					])
				])
		);
		console.log(
			`(events grow ${(results.at(-1)!.events / base.events).toFixed(0)}×; a linear rollup grows the same)`
		);
		const [sums] = await engine.session((s) =>
			s.query<{ e: string; c: string; d: string }>(
				`select (select sum(quantity) from public.usage_events) as e,
				        (select sum(quantity) from public.usage_counters) as c,
				        (select sum(quantity) from public.usage_daily) as d`
			)
		);
		console.log(
			`check: events sum to ${Number(sums!.e).toLocaleString('en')}, counters ${Number(sums!.c).toLocaleString('en')}, ` +
				`usage_daily ${Number(sums!.d).toLocaleString('en')} (all three must agree)`
		);
		await singles(engine);
	});
}

async function load(engine: Engine, tenants: number) {
	await engine.session((s) =>
		s.exec(`
			insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
			values ('${OWNER}', 'authenticated', 'authenticated', 'bench-owner@example.test', now(), now(), now());
			create table private.bench_usage_tenants (n int primary key, id uuid not null);
			alter table private.bench_usage_tenants enable row level security;
			comment on table private.bench_usage_tenants is 'bench/usage.ts';
			grant select on private.bench_usage_tenants to service_role;
			insert into public.tenants (slug, name, status)
			select 'usage-' || g, 'Usage ' || g, 'active' from generate_series(0, ${tenants - 1}) g;
			insert into private.bench_usage_tenants (n, id)
			select substr(slug, 7)::int, id from public.tenants where slug like 'usage-%';
			insert into public.memberships (tenant_id, user_id, is_owner)
			select id, '${OWNER}', true from private.bench_usage_tenants where n = 0;
			insert into public.subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end)
			select t.id, p.id, 'active', now() - interval '10 days', now() + interval '20 days'
			from private.bench_usage_tenants t, public.plans p where p.code = 'business';
		`)
	);
}

/** One batch: `size` API-call events, round-robin over the tenants, spread over the last 30 days. */
async function ingest(engine: Engine, from: number, size: number, tenants: number) {
	await asServiceRole(engine.db, 'usage.ingest', (trx) =>
		sql`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at)
		    select t.id, 'api_calls', 1 + g % 3, 'e' || g, now() - ((g * 7919) % 2592000) * interval '1 second'
		    from generate_series(${from}::bigint, ${from + size - 1}::bigint) g
		    join private.bench_usage_tenants t on t.n = g % ${tenants}`.execute(trx)
	);
}

async function rollup(engine: Engine, from: string | null): Promise<number> {
	const { rows } = await asServiceRole(engine.db, 'usage.rollup', (trx) =>
		sql<{
			n: string;
		}>`select private.rollup_usage_daily(${from}::date, null) as n`.execute(trx)
	);
	return Number(rows[0]!.n);
}

/** One run: the rollup's real cost is the pass that rebuilds rows from the events. */
async function timed(engine: Engine, fn: () => Promise<unknown>): Promise<number> {
	return (await timedWithRows(engine, fn)).ms;
}

async function timedWithRows(
	_engine: Engine,
	fn: () => Promise<unknown>
): Promise<{ ms: number; rows: number }> {
	const started = performance.now();
	const rows = Number(await fn());
	return { ms: performance.now() - started, rows };
}

/**
 * Single-event transactions through record_usage() as the owner of one tenant, and what the
 * usage.record audit row each call writes costs: the same function with its audit_event call taken
 * out (created for the bench only), timed alternately with it.
 */
async function singles(engine: Engine) {
	const [tenant] = await engine.session((s) =>
		s.query<{ id: string }>(`select id::text from private.bench_usage_tenants where n = 0`)
	);
	await engine.session(async (s) => {
		const [fn] = await s.query<{ def: string }>(
			`select pg_get_functiondef('public.record_usage(uuid,text,bigint,text,timestamptz,jsonb)'::regprocedure) as def`
		);
		const audit = /perform private\.audit_event\(p_tenant_id, 'usage\.record'[\s\S]*?\);\n/;
		if (!audit.test(fn!.def)) {
			throw new Error(
				'record_usage no longer writes its usage.record audit event the way this bench expects'
			);
		}
		await s.exec(
			fn!.def
				.replace('public.record_usage(', 'private.bench_record_usage_unaudited(')
				.replace(audit, '') +
				';\ngrant execute on function private.bench_record_usage_unaudited(uuid, text, bigint, text, timestamptz, jsonb) to authenticated;'
		);
	});
	const claims = { sub: OWNER, role: 'authenticated' as const };
	let key = 0;
	const call = (fn: string) => () =>
		runWithClaims(engine.db, claims, (trx) =>
			sql`select * from ${sql.raw(fn)}(${tenant!.id}, 'compute_minutes', 1, ${`single-${key++}`})`.execute(
				trx
			)
		);
	const c = await compare(
		250,
		call('public.record_usage'),
		call('private.bench_record_usage_unaudited')
	);
	console.log(
		`single-event transactions through record_usage as a member: ${fmt(c.a)} ms each with its audit row ` +
			`(~${Math.round(1000 / c.a).toLocaleString('en')}/s), ${fmt(c.b)} ms without it: ×${c.ratio.toFixed(2)}`
	);
}
