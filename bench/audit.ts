/**
 * npm run bench -- audit [--rounds N]
 *
 * What the audit trail costs writers. Two identical tenant tables, one audited with
 * private.enable_audit() (statement-level triggers, rows inserted unchained) and one not:
 *   1. write rate of single-row insert transactions as a member (runWithClaims), for one hot
 *      tenant and for many tenants, alternating audited/unaudited batches, medians; on Postgres
 *      with 8 concurrent writers (PGlite is single-connection, so 1 there);
 *   2. bulk inserts of 10k, 50k and 100k rows in one statement, audited vs not: the audited cost
 *      per row must stay flat (linear in rows);
 *   3. private.seal_audit_chain() over everything written: rows sealed per second.
 */
import { sql } from 'kysely';
import { runWithClaims } from '../src/lib/server/platform/rls';
import type { Engine } from '../src/lib/server/platform/engine';
import { argValue, asServiceRole, fmt, forEachEngine, median, table } from './_setup';

const TENANTS = 50;

export async function run(args: string[]): Promise<void> {
	const rounds = Number(argValue(args, '--rounds') ?? 7);
	console.log(`bench audit: ${rounds} alternating rounds per write-rate measurement`);
	await forEachEngine('audit', async (engine, name) => {
		const workers = engine.kind === 'server' ? 8 : 1;
		console.log(`\n=== ${name} (${workers} concurrent writer${workers > 1 ? 's' : ''}) ===`);
		const tenants = await load(engine);
		await writeRates(engine, tenants, workers, rounds);
		await bulk(engine, tenants[0]!);
		await sealing(engine);
	});
}

interface Member {
	user: string;
	tenant: string;
}

async function load(engine: Engine): Promise<Member[]> {
	return engine.session(async (s) => {
		await s.exec(`
			insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)
			select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'authenticated', 'authenticated',
			       'audit' || g || '@example.test', now(), now(), now()
			from generate_series(1, ${TENANTS}) g;
			insert into public.tenants (slug, name, status) select 'audit-' || g, 'Audit ' || g, 'active' from generate_series(1, ${TENANTS}) g;
			insert into public.memberships (tenant_id, user_id, is_owner)
			select t.id, ('00000000-0000-4000-8000-' || lpad(substr(t.slug, 7), 12, '0'))::uuid, true from public.tenants t;

			create table public.bench_items (
			  id bigint generated always as identity primary key,
			  tenant_id uuid not null references public.tenants (id),
			  name text not null,
			  amount integer not null,
			  created_at timestamptz not null default now()
			);
			create table public.bench_items_audited (like public.bench_items including all);
			alter table public.bench_items_audited add foreign key (tenant_id) references public.tenants (id);
			select private.enable_audit('public.bench_items_audited', 'tenant_id', '{id}');
		`);
		for (const t of ['bench_items', 'bench_items_audited']) {
			await s.exec(`
				create index on public.${t} (tenant_id, created_at);
				alter table public.${t} enable row level security;
				grant select, insert (tenant_id, name, amount) on public.${t} to authenticated, service_role;
				create policy ${t}_select_member on public.${t} for select to authenticated
				  using (tenant_id in (select private.user_tenant_ids()));
				create policy ${t}_insert_permitted on public.${t} for insert to authenticated
				  with check (tenant_id in (select private.tenants_with_permission('projects.update')));
			`);
		}
		await s.exec('select private.seal_audit_chain(); analyze;');
		return s.query<Member>(
			`select m.user_id::text as user, m.tenant_id::text as tenant from public.memberships m
			 join public.tenants t on t.id = m.tenant_id where t.slug like 'audit-%' order by t.slug`
		);
	});
}

async function insertOne(engine: Engine, table: string, m: Member, i: number) {
	await runWithClaims(engine.db, { sub: m.user, role: 'authenticated' }, (trx) =>
		sql`insert into ${sql.table(`public.${table}`)} (tenant_id, name, amount) values (${m.tenant}, ${`item ${i}`}, ${i})`.execute(
			trx
		)
	);
}

/** Rows per second for `perWorker` single-row transactions on each of `workers` connections. */
async function batch(
	engine: Engine,
	table: string,
	members: (w: number) => Member,
	workers: number,
	perWorker: number
) {
	const started = performance.now();
	await Promise.all(
		Array.from({ length: workers }, async (_, w) => {
			for (let i = 0; i < perWorker; i++) await insertOne(engine, table, members(w), i);
		})
	);
	return (workers * perWorker) / ((performance.now() - started) / 1000);
}

async function writeRates(engine: Engine, tenants: Member[], workers: number, rounds: number) {
	const perWorker = engine.kind === 'server' ? 150 : 300;
	const rows: (string | number)[][] = [
		['workload', 'unaudited rows/s', 'audited rows/s', 'audited/unaudited']
	];
	for (const [label, pick] of [
		['one hot tenant', () => tenants[0]!],
		['many tenants', (w: number) => tenants[(w * 7 + 1) % tenants.length]!]
	] as const) {
		const plain: number[] = [];
		const audited: number[] = [];
		await batch(engine, 'bench_items', pick, workers, 20);
		await batch(engine, 'bench_items_audited', pick, workers, 20);
		for (let r = 0; r < rounds; r++) {
			if (r % 2 === 0) {
				plain.push(await batch(engine, 'bench_items', pick, workers, perWorker));
				audited.push(await batch(engine, 'bench_items_audited', pick, workers, perWorker));
			} else {
				audited.push(await batch(engine, 'bench_items_audited', pick, workers, perWorker));
				plain.push(await batch(engine, 'bench_items', pick, workers, perWorker));
			}
		}
		const p = median(plain);
		const a = median(audited);
		rows.push([label, p.toFixed(0), a.toFixed(0), (a / p).toFixed(2)]);
	}
	console.log(
		`\nwrite rate: single-row insert transactions as a member, medians of ${rounds} alternating batches`
	);
	console.log(table(rows));
}

async function bulk(engine: Engine, m: Member) {
	const rows: (string | number)[][] = [
		['rows', 'unaudited ms', 'audited ms', 'audited µs/row', 'audited/unaudited']
	];
	for (const n of [10_000, 50_000, 100_000]) {
		const times = { plain: [] as number[], audited: [] as number[] };
		for (let r = 0; r < 3; r++) {
			for (const t of r % 2 ? (['audited', 'plain'] as const) : (['plain', 'audited'] as const)) {
				const started = performance.now();
				await runWithClaims(engine.db, { sub: m.user, role: 'authenticated' }, (trx) =>
					sql`insert into ${sql.table(t === 'plain' ? 'public.bench_items' : 'public.bench_items_audited')} (tenant_id, name, amount)
						select ${m.tenant}::uuid, 'bulk ' || g, g from generate_series(1, ${n}) g`.execute(trx)
				);
				times[t].push(performance.now() - started);
			}
		}
		const p = median(times.plain);
		const a = median(times.audited);
		rows.push([
			n.toLocaleString('en'),
			fmt(p),
			fmt(a),
			((a * 1000) / n).toFixed(2),
			(a / p).toFixed(2)
		]);
	}
	console.log(`\nbulk insert in one statement (committed), medians of 3`);
	console.log(table(rows));
}

async function sealing(engine: Engine) {
	const [pending] = await engine.session((s) =>
		s.query<{ n: string }>(`select count(*)::text as n from public.audit_logs l
			where not exists (select 1 from public.audit_log_seals s where s.log_id = l.id)`)
	);
	const started = performance.now();
	let sealed = 0;
	for (;;) {
		const result = await asServiceRole(engine.db, 'audit.seal', (trx) =>
			sql<{ n: string }>`select private.seal_audit_chain(100000)::text as n`.execute(trx)
		);
		const n = Number(result.rows[0]!.n);
		sealed += n;
		if (n < 100_000) break;
	}
	const seconds = (performance.now() - started) / 1000;
	const [verify] = await engine.session((s) =>
		s.query<{ problem: string | null; unsealed_rows: string; ms: string }>(
			`select v.problem, v.unsealed_rows, v.sealed_rows from public.verify_audit_chain(
			   (select id from public.tenants where slug = 'audit-1')) v`
		)
	);
	const verifyStarted = performance.now();
	await engine.session((s) =>
		s.query(
			`select * from public.verify_audit_chain((select id from public.tenants where slug = 'audit-1'))`
		)
	);
	console.log(
		`\nsealing: ${sealed.toLocaleString('en')} of ${Number(pending!.n).toLocaleString('en')} pending rows in ${seconds.toFixed(2)} s ` +
			`(${Math.round(sealed / seconds).toLocaleString('en')} rows/s); hot tenant chain verifies ` +
			`${verify?.problem === null ? 'intact' : `BROKEN: ${verify?.problem}`}, ${verify?.unsealed_rows} unsealed, ` +
			`verify took ${((performance.now() - verifyStarted) / 1000).toFixed(2)} s`
	);
}
