/**
 * npm run bench -- rls [--rows N] [--postgres-only]
 *
 * What RLS costs. A tenant-scoped table of N rows (default 1,000,000) across 1,000 tenants, one
 * of them holding a tenth of the rows (100k by default); 2,000 users belonging to 1–3 tenants.
 * The table follows docs/adding-a-tenant-table.md: policy `private.tenant_in(tenant_id, (select
 * private.admitted_tenant_ids()))`, index (tenant_id, created_at).
 *
 * Each query is what the app issues — always with an explicit `tenant_id = $1` — and runs (a)
 * through runWithClaims as a member (an aal1 session, so the MFA test has work to do), under RLS,
 * and (b) as the service role with the same query, alternately on the same data; medians and a/b
 * are printed. The reads run three times: under the form every tenant table had before
 * 20261205000900_rls_mfa.sql (the join compared in place, plus the restrictive MFA policy
 * `tenant_id not in (select private.mfa_blocked_tenant_ids())` as it was written then), under the
 * shipped form with the helpers parallel unsafe, as they were before 20261207000500_rls_parallel.sql
 * (no statement under RLS could get a parallel plan), under the shipped form (the join leaving out
 * MFA-blocked tenants: one helper, one comparison; the helpers parallel safe), and under the
 * shipped form with the restrictive policy the tables that keep one now carry
 * (`private.tenant_not_in(tenant_id, (select private.mfa_refused_tenant_ids()))`); each is followed
 * by the fixed cost per statement (RLS − service role on the small tenant's point lookup), the page
 * on the big tenant against a small one (it must not grow with the tenant) and the plans of the
 * pages and the count under RLS. Then the floors any policy form is held to: the join alone (its
 * once-a-statement read, against a constant), and the same queries under two reference policies
 * that are not security forms — `(select true)`, a per-row filter that compares nothing, and one
 * tenant as a scalar, which joins the query's `tenant_id = $1` and so is neither a filter nor a
 * misestimated index condition but cannot express several tenants. Then 10k-row writes under a
 * permission-checked WITH CHECK in a per-row helper form and the shipped form, against the service
 * role.
 */
import { sql } from 'kysely';
import { runWithClaims } from '../src/lib/server/platform/rls';
import type { Engine } from '../src/lib/server/platform/engine';
import {
	argValue,
	asServiceRole,
	compare,
	fmt,
	forEachEngine,
	table,
	useSerialHelpers,
	type Trx
} from './_setup';

const TENANTS = 1000;
const USERS = 2000;

export async function run(args: string[]): Promise<void> {
	const rows = Number(argValue(args, '--rows') ?? 1_000_000);
	const big = Math.round(rows / 10);
	console.log(
		`bench rls: ${rows.toLocaleString('en')} rows, ${TENANTS} tenants (one with ${big.toLocaleString('en')}), ${USERS} users`
	);
	await forEachEngine(
		'rls',
		async (engine, name) => {
			console.log(`\n=== ${name} ===`);
			const started = performance.now();
			await load(engine, rows, big);
			console.log(`loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
			for (const form of FORMS) {
				await useSerialHelpers(engine, form.serial === true);
				await usePolicy(engine, form);
				await reads(engine, form.label);
			}
			await references(engine);
			await usePolicy(engine, { using: SHIPPED });
			await writes(engine);
		},
		{ embedded: !args.includes('--postgres-only') }
	);
}

/** The policy forms compared on bench_events; SHIPPED is the one the migrations ship. */
const SHIPPED = 'private.tenant_in(tenant_id, (select private.admitted_tenant_ids()))';

interface Form {
	label: string;
	using: string;
	/** A restrictive MFA policy beside the permissive one. */
	mfa?: string;
	bigOnly?: boolean;
	/** The helpers as before 20261207000500_rls_parallel.sql: parallel unsafe. */
	serial?: boolean;
}

const FORMS: Form[] = [
	{
		label:
			'before 20261205000900: tenant_in over the join + restrictive tenant_id not in (select mfa_blocked_tenant_ids())',
		using: 'private.tenant_in(tenant_id, (select private.permitted_tenant_ids()))',
		mfa: 'tenant_id not in (select private.bench_mfa_blocked_tenant_ids())'
	},
	{
		label: `before 20261207000500: ${SHIPPED}, the helpers parallel unsafe`,
		using: SHIPPED,
		serial: true
	},
	{ label: `shipped: ${SHIPPED} (MFA folded in, the helpers parallel safe)`, using: SHIPPED },
	{
		label:
			'shipped, on a table keeping a restrictive MFA policy: + private.tenant_not_in(tenant_id, (select private.mfa_refused_tenant_ids()))',
		using: SHIPPED,
		mfa: 'private.tenant_not_in(tenant_id, (select private.mfa_refused_tenant_ids()))'
	}
];

async function usePolicy(engine: Engine, form: Pick<Form, 'using' | 'mfa'>) {
	await engine.session((s) =>
		s.exec(`drop policy if exists bench_events_select_member on public.bench_events;
			drop policy if exists bench_events_select_mfa on public.bench_events;
			create policy bench_events_select_member on public.bench_events
			  for select to authenticated using (${form.using});
			${
				form.mfa
					? `create policy bench_events_select_mfa on public.bench_events as restrictive
			  for select to authenticated using (${form.mfa});`
					: ''
			}`)
	);
}

const userId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export async function load(engine: Engine, rows: number, big: number) {
	await engine.session(async (s) => {
		await s.exec(`
			insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
			select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'authenticated', 'authenticated',
			       'bench' || g || '@example.test', now(), now(), now()
			from generate_series(0, ${USERS - 1}) g;
			insert into public.tenants (slug, name, status)
			select 'bench-' || g, 'Bench ' || g, 'active' from generate_series(0, ${TENANTS - 1}) g;
			-- user u belongs to tenant u % 1000, and to one or two more for u % 3 = 1, 2
			insert into public.memberships (tenant_id, user_id)
			select t.id, ('00000000-0000-4000-8000-' || lpad(m.u::text, 12, '0'))::uuid
			from (select u, (u % ${TENANTS}) as k from generate_series(0, ${USERS - 1}) u
			      union select u, (u * 7 + 1) % ${TENANTS} from generate_series(0, ${USERS - 1}) u where u % 3 >= 1
			      union select u, (u * 13 + 2) % ${TENANTS} from generate_series(0, ${USERS - 1}) u where u % 3 = 2) m
			join public.tenants t on t.slug = 'bench-' || m.k
			on conflict do nothing;
			insert into public.role_assignments (tenant_id, user_id, role_id)
			select m.tenant_id, m.user_id, r.id from public.memberships m, public.roles r
			where r.tenant_id is null and r.key = 'developer';

			create table public.bench_events (
			  id bigint generated always as identity primary key,
			  tenant_id uuid not null references public.tenants (id),
			  created_at timestamptz not null,
			  kind text not null,
			  amount integer not null
			);
			insert into public.bench_events (tenant_id, created_at, kind, amount)
			select t.id, now() - g * interval '1 second', (array['a', 'b', 'c', 'd'])[1 + g % 4], g % 1000
			from generate_series(1, ${big}) g, public.tenants t where t.slug = 'bench-0';
			insert into public.bench_events (tenant_id, created_at, kind, amount)
			select ids.a[1 + g % ${TENANTS - 1}], now() - g * interval '1 second', (array['a', 'b', 'c', 'd'])[1 + g % 4], g % 1000
			from generate_series(1, ${rows - big}) g,
			     (select array_agg(id order by slug) as a from public.tenants where slug like 'bench-%' and slug <> 'bench-0') ids;
			-- private.mfa_blocked_tenant_ids() as 20261130000300_tenancy.sql wrote it, for the comparison
			create function private.bench_mfa_blocked_tenant_ids() returns setof uuid
			language plpgsql stable security definer set search_path = '' rows 1 as $fn$
			begin
			  if coalesce(auth.jwt() ->> 'aal', 'aal1') = 'aal2' then
			    return;
			  end if;
			  return query select m.tenant_id from public.memberships m join public.tenants t on t.id = m.tenant_id
			  where m.user_id = auth.uid() and t.require_mfa;
			end
			$fn$;
			grant execute on function private.bench_mfa_blocked_tenant_ids() to authenticated;
			create index bench_events_tenant_created_idx on public.bench_events (tenant_id, created_at);
			alter table public.bench_events enable row level security;
			create policy bench_events_select_member on public.bench_events
			  for select to authenticated using (${SHIPPED});
			grant select on public.bench_events to authenticated, service_role;

			create table public.bench_writes_per_row (
			  id bigint generated always as identity primary key,
			  tenant_id uuid not null references public.tenants (id),
			  created_at timestamptz not null default now(),
			  amount integer not null
			);
			create table public.bench_writes_set (like public.bench_writes_per_row including all);
			alter table public.bench_writes_per_row enable row level security;
			alter table public.bench_writes_set enable row level security;
			create index on public.bench_writes_per_row (tenant_id, created_at);
			create index on public.bench_writes_set (tenant_id, created_at);
			grant select, insert (tenant_id, amount), update (amount) on public.bench_writes_per_row, public.bench_writes_set
			  to authenticated, service_role;
			create policy bench_writes_per_row_select_member on public.bench_writes_per_row
			  for select to authenticated using (tenant_id in (select private.user_tenant_ids()));
			create policy bench_writes_per_row_insert_permitted on public.bench_writes_per_row
			  for insert to authenticated with check (private.user_has_permission('projects.update', tenant_id));
			create policy bench_writes_per_row_update_permitted on public.bench_writes_per_row
			  for update to authenticated using (private.user_has_permission('projects.update', tenant_id))
			  with check (private.user_has_permission('projects.update', tenant_id));
			create policy bench_writes_set_select_member on public.bench_writes_set
			  for select to authenticated using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids())));
			create policy bench_writes_set_insert_permitted on public.bench_writes_set
			  for insert to authenticated
			  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('projects.update'))));
			create policy bench_writes_set_update_permitted on public.bench_writes_set
			  for update to authenticated
			  using (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('projects.update'))))
			  with check (private.tenant_in(tenant_id, (select private.admitted_tenant_ids('projects.update'))));
			insert into public.bench_writes_per_row (tenant_id, amount)
			select t.id, g from generate_series(1, 10000) g, public.tenants t where t.slug = 'bench-0';
			insert into public.bench_writes_set (tenant_id, amount)
			select t.id, g from generate_series(1, 10000) g, public.tenants t where t.slug = 'bench-0';
			analyze;
		`);
		// Set the visibility map, as autovacuum would on a live table, so index-only scans are
		// index-only on both sides and autovacuum does not wake up in the middle of a Postgres run.
		await s.exec('vacuum (analyze) public.bench_events');
	});
}

interface Subject {
	label: string;
	user: string;
	tenant: string;
	pointId: string;
}

async function subjects(engine: Engine): Promise<Subject[]> {
	return engine.session(async (s) => {
		const pick = async (slug: string, user: number, label: string) => {
			const [row] = await s.query<{ tenant: string; point: string; n: string }>(
				`select t.id as tenant, (select max(e.id) from public.bench_events e where e.tenant_id = t.id)::text as point,
				        (select count(*) from public.bench_events e where e.tenant_id = t.id)::text as n
				 from public.tenants t where t.slug = $1`,
				[slug]
			);
			return {
				label: `${label} (${Number(row!.n).toLocaleString('en')} rows)`,
				user: userId(user),
				tenant: row!.tenant,
				pointId: row!.point
			};
		};
		// user 0 belongs to bench-0 only; user 1 to bench-1 and bench-8
		return [await pick('bench-0', 0, 'big tenant'), await pick('bench-1', 1, 'small tenant')];
	});
}

const queries: {
	name: string;
	iterations: (big: boolean) => number;
	sql: (s: Subject) => ReturnType<typeof sql>;
}[] = [
	{
		name: 'page of 50 by time',
		iterations: () => 200,
		sql: (s) => sql`select id, created_at, kind, amount from public.bench_events
			where tenant_id = ${s.tenant} order by created_at desc limit 50`
	},
	{
		// A list screen with a filter: few rows of the tenant match, so the page walks further
		// back in the index — and a planner that believes the tenant is small sorts it instead.
		name: 'page of 50, filtered',
		iterations: () => 100,
		sql: (s) => sql`select id, created_at, kind, amount from public.bench_events
			where tenant_id = ${s.tenant} and kind = 'a' and amount < 20 order by created_at desc limit 50`
	},
	{
		name: 'count',
		iterations: (big) => (big ? 30 : 200),
		sql: (s) => sql`select count(*) from public.bench_events where tenant_id = ${s.tenant}`
	},
	{
		name: 'aggregate by kind',
		iterations: (big) => (big ? 30 : 200),
		sql: (s) => sql`select kind, sum(amount), avg(amount) from public.bench_events
			where tenant_id = ${s.tenant} group by kind`
	},
	{
		name: 'point lookup',
		iterations: () => 300,
		sql: (s) =>
			sql`select * from public.bench_events where tenant_id = ${s.tenant} and id = ${s.pointId}`
	}
];

async function explain(engine: Engine, s: Subject, query: ReturnType<typeof sql>) {
	const compiled = query.compile(engine.db);
	const plan = await runWithClaims(engine.db, { sub: s.user, role: 'authenticated' }, (trx) =>
		sql<{ 'QUERY PLAN': string }>`explain (analyze, costs off, timing off, summary off) ${sql.raw(
			compiled.sql.replace(/\$(\d+)/g, (_, n) => `'${String(compiled.parameters[Number(n) - 1])}'`)
		)}`.execute(trx)
	);
	return plan.rows
		.map((r) => r['QUERY PLAN'])
		.filter(
			(line) =>
				!/^\s*(Buffers|Planning|Index Searches|Heap Blocks|Sort Method|Memory|Batches)/.test(line)
		)
		.map((line) => line.replace(/'[0-9a-f-]{36}'::uuid/g, "'<tenant>'::uuid"))
		.join('\n    ');
}

async function reads(engine: Engine, form: string) {
	const db = engine.db;
	const subs = await subjects(engine);
	const rows: (string | number)[][] = [['query', 'tenant', 'a: RLS ms', 'b: service ms', 'a/b']];
	const pages = new Map<string, number[]>();
	let fixed = 0;
	for (const q of queries) {
		for (const s of subs) {
			const big = s === subs[0];
			const result = await compare(
				q.iterations(big),
				() =>
					runWithClaims(db, { sub: s.user, role: 'authenticated' }, (trx) => q.sql(s).execute(trx)),
				() => asServiceRole(db, 'bench.rls', (trx: Trx) => q.sql(s).execute(trx))
			);
			if (q.name === 'point lookup' && !big) fixed = result.a - result.b;
			if (q.name.startsWith('page')) pages.set(q.name, [...(pages.get(q.name) ?? []), result.a]);
			rows.push([q.name, s.label, fmt(result.a), fmt(result.b), result.ratio.toFixed(2)]);
		}
	}
	console.log(`\nreads under the policy ${form}`);
	console.log(`(a) as a member through RLS vs (b) service role, same query; medians`);
	console.log(table(rows));
	console.log(
		`fixed cost per statement (small tenant's point lookup, RLS − service): ${fixed >= 0 ? '+' : ''}${fixed.toFixed(3)} ms`
	);
	const [bigMs, smallMs] = pages.get('page of 50 by time')!;
	console.log(
		`page of 50 by time under RLS, big tenant / small tenant: ${(bigMs! / smallMs!).toFixed(2)}×`
	);

	const [s] = subs;
	for (const name of ['page of 50 by time', 'page of 50, filtered', 'count']) {
		const q = queries.find((x) => x.name === name)!;
		console.log(
			`plan of "${name}" on the big tenant under RLS (explain analyze):\n    ${await explain(engine, s!, q.sql(s!))}`
		);
	}
}

/**
 * The reference policies of the floors. The scalar one admits the caller's first tenant only, so it
 * runs on the big tenant alone (user 0 belongs to it and nothing else).
 */
const REFERENCES: Form[] = [
	{ label: 'reference: (select true), a filter comparing nothing', using: '(select true)' },
	{
		label: 'reference: one tenant as a scalar, (select ids[1])',
		using: 'tenant_id = (select (private.admitted_tenant_ids())[1])',
		bigOnly: true
	}
];

async function references(engine: Engine) {
	const db = engine.db;
	const [big, small] = await subjects(engine);
	const member = { sub: small!.user, role: 'authenticated' as const };
	const join = await compare(
		300,
		() =>
			runWithClaims(db, member, (trx) => sql`select private.admitted_tenant_ids()`.execute(trx)),
		() => runWithClaims(db, member, (trx) => sql`select '{}'::uuid[]`.execute(trx))
	);
	console.log(
		`\nthe join alone, as a member: select private.admitted_tenant_ids() ${fmt(join.a)} ms, a constant ${fmt(join.b)} ms (+${(join.a - join.b).toFixed(3)} ms a statement)`
	);
	const picked = [
		['count', big!],
		['page of 50, filtered', big!],
		['point lookup', small!]
	] as const;
	const rows: (string | number)[][] = [
		['policy', 'query', 'tenant', 'a: RLS ms', 'b: service ms', 'a/b']
	];
	for (const reference of REFERENCES) {
		await usePolicy(engine, reference);
		for (const [name, s] of picked) {
			if (reference.bigOnly && s !== big) continue;
			const q = queries.find((x) => x.name === name)!;
			const result = await compare(
				q.iterations(s === big),
				() =>
					runWithClaims(db, { sub: s.user, role: 'authenticated' }, (trx) => q.sql(s).execute(trx)),
				() => asServiceRole(db, 'bench.rls', (trx: Trx) => q.sql(s).execute(trx))
			);
			rows.push([
				reference.label,
				name,
				s.label,
				fmt(result.a),
				fmt(result.b),
				result.ratio.toFixed(2)
			]);
		}
	}
	console.log('floors: (a) as a member through RLS vs (b) service role, same query; medians');
	console.log(table(rows));
}

const ROLLBACK = new Error('rollback');

async function rolledBack(fn: () => Promise<unknown>) {
	try {
		await fn();
	} catch (error) {
		if (error !== ROLLBACK) throw error;
	}
}

async function writes(engine: Engine) {
	const db = engine.db;
	const [s] = await subjects(engine);
	const claims = { sub: s!.user, role: 'authenticated' as const };
	const insert = (tableName: string) => (trx: Trx) =>
		sql`insert into ${sql.table(tableName)} (tenant_id, amount) select ${s!.tenant}::uuid, g from generate_series(1, 10000) g`.execute(
			trx
		);
	const update = (tableName: string) => (trx: Trx) =>
		sql`update ${sql.table(tableName)} set amount = amount + 1 where tenant_id = ${s!.tenant}`.execute(
			trx
		);
	const asUser = (op: (trx: Trx) => Promise<unknown>) => () =>
		rolledBack(() =>
			runWithClaims(db, claims, async (trx) => {
				await op(trx);
				throw ROLLBACK;
			})
		);
	const asService = (op: (trx: Trx) => Promise<unknown>) => () =>
		rolledBack(() =>
			asServiceRole(db, 'bench.rls', async (trx) => {
				await op(trx);
				throw ROLLBACK;
			})
		);

	const rows: (string | number)[][] = [
		['10k rows', 'WITH CHECK form', 'a: RLS ms', 'b: service ms', 'a/b']
	];
	for (const [label, op] of [
		['insert', insert],
		['update', update]
	] as const) {
		const perRow = await compare(
			7,
			asUser(op('public.bench_writes_per_row')),
			asService(op('public.bench_writes_per_row'))
		);
		const setBased = await compare(
			7,
			asUser(op('public.bench_writes_set')),
			asService(op('public.bench_writes_set'))
		);
		rows.push([
			label,
			'per-row user_has_permission(code, tenant_id)',
			fmt(perRow.a),
			fmt(perRow.b),
			perRow.ratio.toFixed(2)
		]);
		rows.push([
			label,
			'set: tenant_in(tenant_id, (select admitted_tenant_ids(code)))',
			fmt(setBased.a),
			fmt(setBased.b),
			setBased.ratio.toFixed(2)
		]);
	}
	console.log(
		`\nwrites: 10,000 rows in one statement, (a) as a developer under RLS vs (b) service role; medians of 7, rolled back`
	);
	console.log(table(rows));
}
