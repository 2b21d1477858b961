/**
 * npm run bench -- audit-partitions [--rows N] [--rounds N] [--url postgresql://…]
 *
 * The audit log before and after 20261208000500_audit_partitions.sql, on Postgres, side by side on
 * the same rows: public.audit_logs (partitioned by month) and bench.audit_logs_flat (the shape it
 * had before — one table, primary key id, the same three indexes, the same RLS policies), both
 * holding the N rows bench/sql/audit-partitions-load.sql writes over twelve months (one hot
 * tenant with a tenth of them). The database (default s10_audit_bench, migrated) is loaded once
 * with set-based SQL (generate_series) and reused while it holds N rows. Measured, alternating
 * the two shapes, medians:
 *   1. an audit row's insert: single-row transactions on 4 connections, and one 10k-row statement;
 *   2. the audit page (src/lib/server/audit/queries.ts's query, as the hot tenant's owner under
 *      RLS): the first page and the 100th (keyset from the 99th page's last row).
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { argValue, median, table } from './_setup';

const PAGE = 50;
const HOT_USER = '00000000-0000-4000-8000-000000000001';
const SHAPES = [
	['partitioned', 'public.audit_logs'],
	['unpartitioned', 'bench.audit_logs_flat']
] as const;

export async function run(args: string[]): Promise<void> {
	const rows = Number(argValue(args, '--rows') ?? 1_000_000);
	const rounds = Number(argValue(args, '--rounds') ?? 9);
	const url =
		argValue(args, '--url') ?? 'postgresql://postgres:postgres@127.0.0.1:5432/s10_audit_bench';
	const pool = new pg.Pool({ connectionString: url, max: 4 });
	try {
		await load(pool, url, rows);
		const [info] = (
			await pool.query<{ v: string; n: string; parts: string }>(
				`select current_setting('server_version') as v, (select count(*) from bench.audit_logs_flat) as n,
				        (select count(*) from pg_inherits where inhparent = 'public.audit_logs'::regclass) as parts`
			)
		).rows;
		console.log(
			`bench audit-partitions: Postgres ${info!.v}, ${Number(info!.n).toLocaleString('en')} rows in each shape, ` +
				`${info!.parts} partitions, ${rounds} alternating rounds`
		);
		await pages(pool, rounds);
		await inserts(pool, rounds);
	} finally {
		await pool.end();
	}
}

async function load(pool: pg.Pool, url: string, rows: number) {
	const { rows: have } = await pool.query<{ n: string | null }>(
		`select case when to_regclass('bench.audit_logs_flat') is not null
		   then (select count(*) from public.audit_logs where tenant_id in (select id from bench.tenant_ids)) end as n`
	);
	const n = have[0]?.n === null ? null : Number(have[0]?.n);
	if (n !== null && n >= rows) return;
	if (n !== null)
		throw new Error(
			`The database holds ${n} bench rows, fewer than --rows ${rows}: use a fresh migrated database.`
		);
	console.log(
		`loading ${rows.toLocaleString('en')} rows into both shapes (bench/sql/audit-partitions-load.sql)…`
	);
	execFileSync(
		'psql',
		['-X', '-q', url, '-v', `rows=${rows}`, '-f', 'bench/sql/audit-partitions-load.sql'],
		{
			stdio: 'inherit'
		}
	);
}

/** The flat table answers to the same policies as the partitioned one. */
async function policies(pool: pg.Pool) {
	await pool.query(`
		grant usage on schema bench to authenticated;
		grant select on bench.audit_logs_flat to authenticated;
		alter table bench.audit_logs_flat enable row level security;
		do $$
		declare p record;
		begin
		  for p in select * from pg_policies where schemaname = 'public' and tablename = 'audit_logs'
		           and policyname not in (select policyname from pg_policies where schemaname = 'bench') loop
		    execute format('create policy %I on bench.audit_logs_flat as %s for %s to %s using (%s)',
		      p.policyname, p.permissive, p.cmd, array_to_string(p.roles, ','), p.qual);
		  end loop;
		end $$;`);
}

async function asOwner<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
	const c = await pool.connect();
	try {
		await c.query('begin');
		await c.query(
			`select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`,
			[JSON.stringify({ sub: HOT_USER, role: 'authenticated', aal: 'aal2' })]
		);
		return await fn(c);
	} finally {
		await c.query('rollback');
		c.release();
	}
}

function pageQuery(tableName: string, cursor: boolean) {
	return `select l.id::text as id, t.name as tenant_name,
	               to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
	               l.actor_type::text, l.actor_id, p.email::text as actor_email, l.action, l.target_type,
	               l.target_id, l.old_values, l.new_values, host(l.ip) as ip, l.user_agent
	          from ${tableName} l
	          left join public.profiles p on p.id = l.actor_id
	          left join public.tenants t on t.id = l.tenant_id
	         where l.tenant_id = $1 ${cursor ? 'and (l.created_at, l.id) < ($2::timestamptz, $3::bigint)' : ''}
	         order by l.created_at desc, l.id desc limit ${PAGE + 1}`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await fn();
	return performance.now() - started;
}

async function pages(pool: pg.Pool, rounds: number) {
	await policies(pool);
	const { rows } = await pool.query<{ id: string }>(`select id from bench.tenant_ids where n = 0`);
	const tenant = rows[0]!.id;
	const { rows: cut } = await pool.query<{ at: string; id: string }>(
		`select created_at::text as at, id::text from public.audit_logs where tenant_id = $1
		 order by created_at desc, id desc offset ${99 * PAGE - 1} limit 1`,
		[tenant]
	);
	const cursor = [cut[0]!.at, cut[0]!.id];
	const result: (string | number)[][] = [
		[
			'audit page (hot tenant, RLS)',
			'unpartitioned ms',
			'partitioned ms',
			'partitioned/unpartitioned'
		]
	];
	for (const [label, withCursor] of [
		['first page', false],
		['100th page', true]
	] as const) {
		const times: Record<string, number[]> = { partitioned: [], unpartitioned: [] };
		for (let r = 0; r < rounds + 1; r++) {
			const order = r % 2 === 0 ? SHAPES : [...SHAPES].reverse();
			for (const [shape, tableName] of order) {
				const ms = await asOwner(pool, async (c) => {
					const got = await timed(() =>
						c.query(pageQuery(tableName, withCursor), withCursor ? [tenant, ...cursor] : [tenant])
					);
					const { rowCount } = await c.query(
						pageQuery(tableName, withCursor),
						withCursor ? [tenant, ...cursor] : [tenant]
					);
					if (rowCount !== PAGE + 1)
						throw new Error(`${shape} ${label}: ${rowCount} rows, not ${PAGE + 1}`);
					return got;
				});
				if (r > 0) times[shape]!.push(ms); // round 0 warms the caches
			}
		}
		const flat = median(times.unpartitioned!);
		const part = median(times.partitioned!);
		result.push([label, flat.toFixed(2), part.toFixed(2), (part / flat).toFixed(2)]);
	}
	console.log(table(result));
}

const INSERT = (tableName: string, count: number) => `
	insert into ${tableName} (tenant_id, actor_type, actor_id, action, target_type, target_id, new_values, ip, user_agent)
	select (select id from bench.tenant_ids where n = 1 + g % 99), 'user', '${HOT_USER}', 'teams.update', 'teams',
	       gen_random_uuid()::text, jsonb_build_object('name', 'bench ' || g), '10.1.2.3', 'Mozilla/5.0 (bench)'
	from generate_series(1, ${count}) g`;

async function inserts(pool: pg.Pool, rounds: number) {
	const perWorker = 100;
	const result: (string | number)[][] = [
		['audit row insert', 'unpartitioned', 'partitioned', 'partitioned/unpartitioned']
	];
	const single: Record<string, number[]> = { partitioned: [], unpartitioned: [] };
	const bulk: Record<string, number[]> = { partitioned: [], unpartitioned: [] };
	for (let r = 0; r < rounds + 1; r++) {
		const order = r % 2 === 0 ? SHAPES : [...SHAPES].reverse();
		for (const [shape, tableName] of order) {
			const ms = await timed(() =>
				Promise.all(
					Array.from({ length: 4 }, async () => {
						for (let i = 0; i < perWorker; i++) await pool.query(INSERT(tableName, 1));
					})
				)
			);
			const bulkMs = await timed(() => pool.query(INSERT(tableName, 10_000)));
			if (r > 0) {
				single[shape]!.push((4 * perWorker) / (ms / 1000));
				bulk[shape]!.push((bulkMs * 1000) / 10_000);
			}
		}
	}
	const s = [median(single.unpartitioned!), median(single.partitioned!)];
	const b = [median(bulk.unpartitioned!), median(bulk.partitioned!)];
	result.push([
		'single-row transactions, 4 writers (rows/s)',
		s[0]!.toFixed(0),
		s[1]!.toFixed(0),
		(s[1]! / s[0]!).toFixed(2)
	]);
	result.push([
		'one 10k-row statement (µs per row)',
		b[0]!.toFixed(1),
		b[1]!.toFixed(1),
		(b[1]! / b[0]!).toFixed(2)
	]);
	console.log(table(result));
}
