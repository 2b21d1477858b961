/**
 * The `billing.lifecycle` system job: trial expiry, renewal, grace period, expiry → tenant
 * suspended, reactivation on payment (`private.run_billing_lifecycle`, see docs/billing.md).
 * Idempotent, so running it often or twice is harmless. In the app it runs on a timer; on hosted
 * Supabase it can run in the database with pg_cron instead.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';

/**
 * How many subscriptions each transition moved, keyed by transition, or `skipped` (why) when
 * another run held the lifecycle's lock.
 */
export type LifecycleResult = Record<string, number> | { skipped: string };

export async function runBillingLifecycle(db: Kysely<DB>, now?: Date): Promise<LifecycleResult> {
	const { rows } = await runAsServiceRole(db, 'billing.lifecycle', (trx) =>
		now
			? sql<{
					result: LifecycleResult;
				}>`select private.run_billing_lifecycle(${now}) as result`.execute(trx)
			: sql<{ result: LifecycleResult }>`select private.run_billing_lifecycle() as result`.execute(
					trx
				)
	);
	return rows[0]?.result ?? {};
}

registerJob({
	name: 'billing.lifecycle',
	intervalMs: (config) => config.BILLING_LIFECYCLE_INTERVAL_MS,
	run: (db) => runBillingLifecycle(db)
});
