/**
 * npm run bench -- bi [--events N] [--postgres-only]
 *
 * A dashboard of 8 widgets over 90 days for a tenant with N usage events (default 1,000,000)
 * spread over those 90 days, beside four tenants with a tenth as many each: four metric widgets
 * (active users as a line, API calls and storage as KPIs against the previous period, emails as
 * bars; over tenant_usage_daily, rebuilt by the rollup) and four saved-query widgets (calls per
 * day, calls by metric as a pie, a KPI of this range against the one before, the daily table).
 *
 * Server time is what the dashboard page's load spends in dashboardData, in one transaction as
 * the tenant's owner (runWithClaims, RLS on): cold (the widget cache cleared before each run) and
 * cached (the same dashboard again within the cache's minute). Then the price of the analytics
 * views: each saved query run as the owner through runQuery (read-only savepoint, role
 * tenantry_analytics, security-invoker views, their policies) against the same query as the
 * service role over the base table with `tenant_id = $1` — alternately, medians, one run — under
 * the helpers as they were before 20261207000500_rls_parallel.sql (parallel unsafe, the run's tenant
 * as `in (select …)`) and as shipped, on the same data.
 */
import { sql } from 'kysely';
import type { Engine } from '../src/lib/server/platform/engine';
import { runWithClaims } from '../src/lib/server/platform/rls';
import {
	clearWidgetCache,
	dashboardData,
	getDashboard,
	rangeBounds
} from '../src/lib/server/bi/queries';
import { runChecked, runQuery } from '../src/lib/server/bi/run';
import { myPermissions } from '../src/lib/server/tenancy/tenants';
import {
	argValue,
	asServiceRole,
	compare,
	fmt,
	forEachEngine,
	median,
	table,
	useSerialHelpers
} from './_setup';

const OWNER = '00000000-0000-4000-8000-00000000b100';
const OTHERS = 4;
const DAY_SECONDS = 86_400;

/**
 * The saved queries: [title, widget kind or null (not on the dashboard), SQL over analytics, the
 * same as the service role over public with `tenant_id = $1` ($2, $3: the range)]. The dashboard's
 * read the daily rollups; the last three ask the same of the raw events, for the price of the views
 * over a million rows.
 */
const QUERIES: [string, 'line' | 'pie' | 'kpi' | 'table' | null, string, string][] = [
	[
		'Calls per day',
		'line',
		`select day, sum(quantity) as calls from usage_by_day
		 where metric = 'api_calls' and day >= range_start()::date group by day order by day`,
		`select day, sum(quantity) as calls from public.usage_daily
		 where tenant_id = $1 and metric = 'api_calls' and day >= $2::timestamptz::date group by day order by day`
	],
	[
		'Usage by metric',
		'pie',
		`select metric, sum(quantity) as total from usage_by_day
		 where day >= range_start()::date group by metric order by metric`,
		`select metric, sum(quantity) as total from public.usage_daily
		 where tenant_id = $1 and day >= $2::timestamptz::date group by metric order by metric`
	],
	[
		'Events against the previous range',
		'kpi',
		`select sum(events) filter (where day >= range_start()::date) as now,
		        sum(events) filter (where day < range_start()::date) as before
		 from usage_by_day where day >= (range_start() - (range_end() - range_start()))::date`,
		`select sum(events) filter (where day >= $2::timestamptz::date) as now,
		        sum(events) filter (where day < $2::timestamptz::date) as before
		 from public.usage_daily where tenant_id = $1
		   and day >= ($2::timestamptz - ($3::timestamptz - $2::timestamptz))::date`
	],
	[
		'Days',
		'table',
		`select day, api_calls, active_users, emails_sent from usage_daily
		 where day >= range_start()::date order by day desc`,
		`select day, api_calls, active_users, emails_sent from public.tenant_usage_daily
		 where tenant_id = $1 and day >= $2::timestamptz::date order by day desc`
	],
	[
		'raw: calls per day',
		null,
		`select date_trunc('day', occurred_at) as day, sum(quantity) as calls from usage_events
		 where occurred_at >= range_start() and occurred_at < range_end() group by 1 order by 1`,
		`select date_trunc('day', occurred_at) as day, sum(quantity) as calls from public.usage_events
		 where tenant_id = $1 and occurred_at >= $2 and occurred_at < $3 group by 1 order by 1`
	],
	[
		'raw: usage by metric',
		null,
		`select metric, sum(quantity) as total from usage_events
		 where occurred_at >= range_start() and occurred_at < range_end() group by metric order by metric`,
		`select metric, sum(quantity) as total from public.usage_events
		 where tenant_id = $1 and occurred_at >= $2 and occurred_at < $3 group by metric order by metric`
	],
	[
		'raw: events against the previous range',
		null,
		`select count(*) filter (where occurred_at >= range_start()) as now,
		        count(*) filter (where occurred_at < range_start()) as before
		 from usage_events where occurred_at >= range_start() - (range_end() - range_start()) and occurred_at < range_end()`,
		`select count(*) filter (where occurred_at >= $2) as now, count(*) filter (where occurred_at < $2) as before
		 from public.usage_events where tenant_id = $1 and occurred_at >= $2::timestamptz - ($3::timestamptz - $2::timestamptz)
		   and occurred_at < $3`
	]
];

export async function run(args: string[]): Promise<void> {
	const events = Number(argValue(args, '--events') ?? 1_000_000);
	console.log(
		`bench bi: a dashboard of 8 widgets over 90 days; the tenant has ${events.toLocaleString('en')} usage events, ` +
			`${OTHERS} others ${Math.round(events / 10).toLocaleString('en')} each`
	);
	await forEachEngine(
		'bi',
		async (engine, name) => {
			console.log(`\n=== ${name} ===`);
			const started = performance.now();
			const { tenant, dashboard } = await load(engine, events);
			console.log(`loaded and rolled up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
			await measure(engine, tenant, dashboard);
		},
		{ embedded: !args.includes('--postgres-only') }
	);
}

export async function load(
	engine: Engine,
	events: number
): Promise<{ tenant: string; dashboard: string }> {
	const span = 90 * DAY_SECONDS;
	return engine.session(async (s) => {
		await s.exec(`
			insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
			values ('${OWNER}', 'authenticated', 'authenticated', 'bi-owner@example.test', now(), now(), now());
			insert into public.tenants (slug, name, status, created_at)
			select 'bi-' || g, 'BI ' || g, 'active', now() - interval '400 days' from generate_series(0, ${OTHERS}) g;
			insert into public.memberships (tenant_id, user_id, is_owner)
			select id, '${OWNER}', true from public.tenants where slug like 'bi-%';
			insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at)
			select t.id, (array['api_calls', 'api_calls', 'api_calls', 'compute_minutes'])[1 + g % 4], 1 + g % 5, 'e' || g,
			       now() - (g::bigint * ${span} / ${events}) * interval '1 second'
			from generate_series(1, ${events}) g, public.tenants t where t.slug = 'bi-0';
			insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, occurred_at)
			select t.id, 'api_calls', 1 + g % 5, 'e' || g, now() - (g::bigint * ${span} / ${Math.round(events / 10)}) * interval '1 second'
			from generate_series(1, ${Math.round(events / 10)}) g, public.tenants t where t.slug like 'bi-%' and t.slug <> 'bi-0';
			select private.rollup_tenant_usage_daily((now() at time zone 'UTC')::date - 200, (now() at time zone 'UTC')::date + 1);
		`);
		await s.exec('vacuum (analyze) public.usage_events');
		await s.exec('analyze');
		const [row] = await s.query<{ id: string }>(
			`select id from public.tenants where slug = 'bi-0'`
		);
		const tenant = row!.id;
		const [d] = await s.query<{ id: string }>(
			`insert into public.dashboards (tenant_id, name, time_range) values ($1, 'Bench', '90d') returning id`,
			[tenant]
		);
		const dashboard = d!.id;
		const metrics: [string, string, string][] = [
			['line', 'Active users', 'active_users'],
			['kpi', 'API calls', 'api_calls'],
			['bar', 'Emails sent', 'emails_sent'],
			['kpi', 'Storage', 'storage_bytes']
		];
		for (const [kind, title, metric] of metrics) {
			await s.query(
				`insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, metric)
				 values ($1, $2, $3, $4, 'metric', $5)`,
				[tenant, dashboard, kind, title, metric]
			);
		}
		for (const [title, kind, text] of QUERIES) {
			if (!kind) continue;
			const [q] = await s.query<{ id: string }>(
				`insert into public.saved_queries (tenant_id, name, sql) values ($1, $2, $3) returning id`,
				[tenant, title, text]
			);
			await s.query(
				`insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, saved_query_id)
				 values ($1, $2, $3, $4, 'query', $5)`,
				[tenant, dashboard, kind, title, q!.id]
			);
		}
		return { tenant, dashboard };
	});
}

async function measure(engine: Engine, tenant: string, dashboardId: string) {
	const claims = { sub: OWNER, role: 'authenticated' as const };
	const load = () =>
		runWithClaims(engine.db, claims, async (trx) => {
			const found = (await getDashboard(trx, tenant, dashboardId))!;
			const permissions = await myPermissions(trx, tenant);
			const started = performance.now();
			const data = await dashboardData(trx, found.widgets, {
				tenantId: tenant,
				viewer: OWNER,
				range: found.dashboard.timeRange,
				permissions
			});
			const ms = performance.now() - started;
			const failed = Object.values(data).filter((d) => d.type === 'error' || d.type === 'denied');
			if (failed.length || Object.keys(data).length !== 8) {
				throw new Error(`the dashboard did not load its 8 widgets: ${JSON.stringify(failed)}`);
			}
			return ms;
		});

	const cold: number[] = [];
	const cached: number[] = [];
	await load();
	for (let i = 0; i < 5; i++) {
		clearWidgetCache();
		cold.push(await load());
		for (let j = 0; j < 4; j++) cached.push(await load());
	}
	console.log(
		table([
			['dashboard (8 widgets, 90 days)', 'median ms', 'max ms', 'target'],
			[
				'cold (widget cache empty)',
				fmt(median(cold)),
				fmt(Math.max(...cold)),
				'≤ 1000 on Postgres 15'
			],
			['cached', fmt(median(cached)), fmt(Math.max(...cached)), '≤ 50']
		])
	);

	const range = rangeBounds('90d');
	const rows: (string | number)[][] = [
		[
			'saved query',
			'helpers',
			'analytics views ms',
			'service role ms',
			'views ratio (≤ 1.2)',
			'with the check ms',
			'end-to-end ratio'
		]
	];
	for (const [title, , text, base] of QUERIES) {
		const options = { tenantId: tenant, sql: text, range, rowLimit: 1000, timeoutMs: 30_000 };
		const columns = await runWithClaims(
			engine.db,
			claims,
			async (trx) => (await runQuery(trx, options)).columns
		);
		const service = () =>
			asServiceRole(engine.db, 'bench.bi', (trx) =>
				sql
					.raw(
						`select * from (${base
							.replace('$1', `'${tenant}'`)
							.replaceAll('$2', `'${range.start}'`)
							.replaceAll('$3', `'${range.end}'`)}) q limit 1001`
					)
					.execute(trx)
			);
		// Before and after 20261207000500_rls_parallel.sql, on the same data in this run.
		for (const serial of [true, false]) {
			await useSerialHelpers(engine, serial);
			const views = await compare(
				9,
				() =>
					runWithClaims(engine.db, claims, (trx) => runChecked(trx, columns, new Map(), options)),
				service
			);
			const whole = await compare(
				5,
				() => runWithClaims(engine.db, claims, (trx) => runQuery(trx, options)),
				service
			);
			rows.push([
				title,
				serial ? 'before 20261207000500 (parallel unsafe, in (select …))' : 'shipped',
				fmt(views.a),
				fmt(views.b),
				views.ratio.toFixed(2),
				fmt(whole.a),
				whole.ratio.toFixed(2)
			]);
		}
	}
	console.log(`\n${table(rows)}`);
	const [last] = QUERIES.slice(-1);
	const plan = await runWithClaims(engine.db, claims, async (trx) => {
		await sql`select set_config('tenantry.analytics_tenant', ${tenant}, true),
			set_config('tenantry.analytics_range_start', ${range.start}, true),
			set_config('tenantry.analytics_range_end', ${range.end}, true),
			set_config('search_path', 'analytics', true),
			set_config('role', 'tenantry_analytics', true)`.execute(trx);
		return sql<{ 'QUERY PLAN': string }>`explain (costs off) ${sql.raw(last![2])}`.execute(trx);
	});
	console.log(
		`plan of "${last![0]}" through the views (shipped):\n    ${plan.rows.map((r) => r['QUERY PLAN']).join('\n    ')}`
	);
}
