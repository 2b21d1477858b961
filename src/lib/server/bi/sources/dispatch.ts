/**
 * Runs a saved query on its source: the built-in analytics views (run.ts) when it has no data
 * source, the source's driver otherwise (./index.ts). The dashboard's widgets and the queries
 * page call this, so a widget over a saved query over a source reads that source.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import { runQuery, type QueryRun, type RunOptions } from '../run';
import { runOnSource, type DataSourcesConfig } from './index';

export async function runSavedQuery(
	trx: Transaction<DB>,
	query: { sql: string; dataSourceId: string | null },
	options: Omit<RunOptions, 'sql'>,
	config?: DataSourcesConfig,
	resolve?: (host: string) => Promise<string[]>
): Promise<QueryRun> {
	if (!query.dataSourceId) return runQuery(trx, { ...options, sql: query.sql });
	return runOnSource(trx, config ?? (await ensureRuntime()).config, {
		tenantId: options.tenantId,
		sourceId: query.dataSourceId,
		text: query.sql,
		parameters: options.parameters,
		values: options.values,
		rowLimit: options.rowLimit,
		timeoutMs: options.timeoutMs,
		resolve
	});
}
