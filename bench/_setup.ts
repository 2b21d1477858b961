/**
 * Shared plumbing for the SQL benchmarks (bench/rls.ts, bench/audit.ts): a freshly migrated
 * engine per run — the embedded PGlite always, and Postgres when TEST_DATABASE_URL is set (a
 * throw-away database created beside it and dropped afterwards) — plus timing helpers that run
 * two variants alternately and compare medians.
 */
import { readFileSync } from 'node:fs';
import { sql, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from '../src/lib/server/platform/database';
import { MEMORY, openEmbedded } from '../src/lib/server/platform/embedded';
import type { Engine } from '../src/lib/server/platform/engine';
import { migrate } from '../src/lib/server/platform/migrate';
import { openServer } from '../src/lib/server/platform/server';

export type Trx = Transaction<DB>;

/**
 * Runs `fn` on each available engine, each migrated from scratch, one after the other (`embedded:
 * false` skips PGlite, for a size only Postgres builds in reasonable time).
 */
export async function forEachEngine(
	label: string,
	fn: (engine: Engine, name: string, url?: string) => Promise<void>,
	options: { embedded?: boolean } = {}
): Promise<void> {
	if (options.embedded !== false) {
		const embedded = await openEmbedded(MEMORY);
		try {
			await migrate(embedded, { dir: 'supabase/migrations', compat: 'auto' });
			await fn(embedded, 'embedded (PGlite)');
		} finally {
			await embedded.close();
		}
	}
	const url = process.env.TEST_DATABASE_URL;
	if (!url) {
		console.log('\n(TEST_DATABASE_URL not set: the Postgres run is skipped)');
		return;
	}
	const name = `bench_${label}_${process.pid}`;
	const admin = new pg.Client({ connectionString: url });
	await admin.connect();
	try {
		await admin.query(`create database ${name}`);
		const target = new URL(url);
		target.pathname = `/${name}`;
		const server = openServer(target.toString(), 8);
		try {
			await migrate(server, { dir: 'supabase/migrations', compat: 'auto' });
			const [version] = await server.session((s) =>
				s.query<{ v: string }>("select current_setting('server_version') as v")
			);
			await fn(server, `Postgres ${version?.v ?? ''}`.trim(), target.toString());
		} finally {
			await server.close();
		}
	} finally {
		await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
		await admin.end();
	}
}

/**
 * A transaction as the service role, set up exactly like runWithClaims sets up a user's (one
 * statement of set_config calls), so the two sides of a ratio pay the same fixed cost.
 */
export async function asServiceRole<T>(
	db: Kysely<DB>,
	job: string,
	fn: (trx: Trx) => Promise<T>
): Promise<T> {
	return db.transaction().execute(async (trx) => {
		await sql`select
			set_config('request.jwt.claims', ${JSON.stringify({ role: 'service_role', job })}, true),
			set_config('request.headers', '{}', true),
			set_config('request.method', '', true),
			set_config('request.path', '', true),
			set_config('role', 'service_role', true)`.execute(trx);
		return fn(trx);
	});
}

const PARALLEL_MIGRATION = 'supabase/migrations/20261207000500_rls_parallel.sql';

/**
 * Puts back (serial: true) or re-applies (false) what 20261207000500_rls_parallel.sql changed, so
 * a bench measures the forms before and after it in one run on the same data: the functions that
 * migration marks PARALLEL SAFE (read from its list, so the two cannot drift) become PARALLEL
 * UNSAFE again, and the analytics policies compare `tenant_id in (select analytics_tenant())`.
 */
export async function useSerialHelpers(engine: Engine, serial: boolean): Promise<void> {
	const text = readFileSync(PARALLEL_MIGRATION, 'utf8');
	const list = /foreach v_fn in array array\[([\s\S]*?)\]::regprocedure\[\]/.exec(text)?.[1];
	const functions = [...(list ?? '').matchAll(/'([a-z_]+\.[a-z_]+\([^)]*\))'/g)].map((m) => m[1]!);
	if (functions.length === 0) throw new Error(`no function list found in ${PARALLEL_MIGRATION}`);
	const [from, to] = serial
		? [
				'tenant_id = \\( SELECT private\\.analytics_tenant\\(\\) AS analytics_tenant\\)',
				'tenant_id in (select private.analytics_tenant())'
			]
		: [
				'tenant_id IN \\( SELECT private\\.analytics_tenant\\(\\) AS analytics_tenant\\)',
				'tenant_id = (select private.analytics_tenant())'
			];
	await engine.session((s) =>
		s.exec(`
			${functions.map((f) => `alter function ${f} parallel ${serial ? 'unsafe' : 'safe'};`).join('\n')}
			do $$
			declare
			  v record;
			begin
			  for v in select p.polname, p.polrelid::regclass as tbl, pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual
			           from pg_catalog.pg_policy p where pg_catalog.pg_get_expr(p.polqual, p.polrelid) ~ '${from}' loop
			    execute format('alter policy %I on %s using (%s)', v.polname, v.tbl,
			      regexp_replace(v.qual, '${from}', '${to}', 'g'));
			  end loop;
			end
			$$;`)
	);
}

/** The p-th percentile (nearest rank) of the values. */
export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Polls `check` every 2 ms until it holds; throws naming `what` after `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 2));
	}
}

export function median(values: number[]): number {
	const sorted = [...values].sort((x, y) => x - y);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await fn();
	return performance.now() - started;
}

export interface Comparison {
	a: number;
	b: number;
	ratio: number;
}

/** Runs a and b alternately (after one warm-up each) and returns their median milliseconds. */
export async function compare(
	iterations: number,
	a: () => Promise<unknown>,
	b: () => Promise<unknown>
): Promise<Comparison> {
	await a();
	await b();
	const ta: number[] = [];
	const tb: number[] = [];
	for (let i = 0; i < iterations; i++) {
		if (i % 2 === 0) {
			ta.push(await time(a));
			tb.push(await time(b));
		} else {
			tb.push(await time(b));
			ta.push(await time(a));
		}
	}
	const ma = median(ta);
	const mb = median(tb);
	return { a: ma, b: mb, ratio: ma / mb };
}

export function fmt(ms: number): string {
	return ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
}

export function argValue(args: string[], name: string): string | undefined {
	const index = args.indexOf(name);
	if (index !== -1) return args[index + 1];
	return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

export function table(rows: (string | number)[][]): string {
	const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
	return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')).join('\n');
}
