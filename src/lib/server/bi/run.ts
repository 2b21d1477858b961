/**
 * Runs a saved query (docs/bi.md#saved-queries): checked by private.analytics_check (one SELECT
 * over the analytics views, allow-listed functions only), then executed in a savepoint of the
 * caller's transaction made read-only, as the role tenantry_analytics (USAGE on schema analytics
 * only, its own policies limited to the one tenant), with a statement timeout and a row limit.
 * Parameters and the time range are bound as transaction settings that analytics.param_*() and
 * analytics.range_*() read — never written into the query's text. The savepoint is rolled back
 * afterwards, so the role, the settings and the read-only mode end with the query.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { PARAMETER_TYPES, type QueryParameter } from '$lib/bi/parameters';

export interface QueryRun {
	columns: string[];
	rows: Record<string, unknown>[];
	/** More rows than the limit matched; `rows` holds the first `limit`. */
	truncated: boolean;
	elapsedMs: number;
}

export interface RunOptions {
	tenantId: string;
	sql: string;
	parameters?: QueryParameter[];
	values?: Record<string, unknown>;
	range?: { start: string; end: string };
	rowLimit?: number;
	timeoutMs?: number;
}

/** A refusal of the runner itself, with a TN code of the module (the page explains it). */
export class QueryRefused extends Error {
	constructor(
		readonly code: string,
		message: string
	) {
		super(message);
	}
}

/** The values of the declared parameters as text for the settings; TN527 for one that is not its type. */
export function bindParameters(
	parameters: QueryParameter[],
	values: Record<string, unknown>
): Map<string, string> {
	const bound = new Map<string, string>();
	for (const p of parameters) {
		const raw = values[p.name] ?? p.default;
		if (raw === undefined || raw === null || raw === '') {
			bound.set(p.name, '');
			continue;
		}
		const parsed = PARAMETER_TYPES[p.type].safeParse(raw);
		if (!parsed.success) {
			throw new QueryRefused(
				'TN527',
				`The parameter ${p.name} must be ${p.type === 'integer' ? 'an' : 'a'} ${p.type}.`
			);
		}
		bound.set(p.name, String(parsed.data));
	}
	return bound;
}

export async function runQuery(trx: Transaction<DB>, options: RunOptions): Promise<QueryRun> {
	const bound = bindParameters(options.parameters ?? [], options.values ?? {});
	const { rows: checked } = await sql<{ columns: string[] }>`
		select private.analytics_check(${options.tenantId}, ${options.sql}) as columns`.execute(trx);
	return runChecked(trx, checked[0]!.columns, bound, options);
}

/**
 * The run itself, of a query private.analytics_check has passed (its columns) with its bound
 * parameters: exported for the benchmark, which prices the views apart from the check.
 */
export async function runChecked(
	trx: Transaction<DB>,
	columns: string[],
	bound: Map<string, string>,
	options: RunOptions
): Promise<QueryRun> {
	const limit = Math.min(Math.max(options.rowLimit ?? 1000, 1), 10_000);
	const timeout = Math.min(Math.max(options.timeoutMs ?? 5000, 100), 30_000);
	const text = options.sql.replace(/[\s;]+$/, '');
	const started = performance.now();
	await sql`savepoint analytics_run`.execute(trx);
	try {
		await sql`select set_config('tenantry.analytics_tenant', ${options.tenantId}, true),
			set_config('tenantry.analytics_range_start', ${options.range?.start ?? ''}, true),
			set_config('tenantry.analytics_range_end', ${options.range?.end ?? ''}, true),
			set_config('statement_timeout', ${String(timeout)}, true)`.execute(trx);
		for (const [name, value] of bound) {
			await sql`select set_config(${`tenantry.analytics_p_${name}`}, ${value}, true)`.execute(trx);
		}
		await sql`select set_config('transaction_read_only', 'on', true),
			set_config('search_path', 'analytics', true),
			set_config('role', 'tenantry_analytics', true)`.execute(trx);
		const { rows } = await sql<Record<string, unknown>>`select * from (
${sql.raw(text)}
) q limit ${limit + 1}`.execute(trx);
		return {
			columns,
			rows: rows.slice(0, limit),
			truncated: rows.length > limit,
			elapsedMs: Math.round(performance.now() - started)
		};
	} catch (error) {
		const code = (error as { code?: string }).code;
		if (code === '57014')
			throw new QueryRefused('TN528', `The query ran longer than ${timeout} ms and was stopped.`);
		if (code === '25006' || code === '42501') {
			throw new QueryRefused(
				'TN524',
				'A saved query only reads: it cannot write, lock or reach other data.'
			);
		}
		throw error;
	} finally {
		await sql`rollback to savepoint analytics_run`.execute(trx);
		await sql`release savepoint analytics_run`.execute(trx);
	}
}
