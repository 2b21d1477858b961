/**
 * The `usage.rollup` system job: rebuilds `usage_daily` (the usage charts) from the usage events
 * for the last two UTC days and today (`private.rollup_usage_daily`, see docs/billing.md).
 * Idempotent, so a timer in every app instance is harmless; pass `from` to rebuild older history.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';

/** Rebuilds the daily rows of [from, to) (default: the last two days and today); returns rows written. */
export async function rollupUsage(db: Kysely<DB>, from?: string, to?: string): Promise<number> {
	const { rows } = await runAsServiceRole(db, 'usage.rollup', (trx) =>
		sql<{
			written: string;
		}>`select private.rollup_usage_daily(${from ?? null}::date, ${to ?? null}::date) as written`.execute(
			trx
		)
	);
	return Number(rows[0]?.written ?? 0);
}

registerJob({
	name: 'usage.rollup',
	intervalMs: (config) => config.USAGE_ROLLUP_INTERVAL_MS,
	run: (db) => rollupUsage(db)
});
