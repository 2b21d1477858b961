/**
 * The `bi.rollup` system job: rebuilds tenant_usage_daily (and the usage_daily it reads) for the
 * last two UTC days and today (`private.rollup_tenant_usage_daily`, docs/bi.md#metrics). Idempotent.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';

/** Rebuilds the days [from, to) (default: the last two days and today); returns the rows written. */
export async function rollupTenantUsage(
	db: Kysely<DB>,
	from?: string,
	to?: string
): Promise<number> {
	const { rows } = await runAsServiceRole(db, 'bi.rollup', (trx) =>
		sql<{ written: string }>`
			select private.rollup_tenant_usage_daily(${from ?? null}::date, ${to ?? null}::date) as written`.execute(
			trx
		)
	);
	return Number(rows[0]?.written ?? 0);
}

registerJob({
	name: 'bi.rollup',
	intervalMs: (config) => config.USAGE_ROLLUP_INTERVAL_MS,
	run: (db) => rollupTenantUsage(db)
});
