/**
 * The `audit.seal` system job: chains recorded audit rows onto their tenant's hash chain
 * (`private.seal_audit_chain`, see docs/audit-log.md). In the app it runs on a timer; on hosted
 * Supabase schedule it with pg_cron instead (docs/audit-log.md), or keep the app's timer — a
 * second sealer finds the advisory lock taken and returns at once.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';

/** Rows sealed per call; a full batch means more are waiting, so the job goes again at once. */
export const SEAL_BATCH = 100_000;

/** Seals everything sealable now; returns how many rows it sealed. */
export async function sealAuditChain(db: Kysely<DB>): Promise<number> {
	let total = 0;
	for (;;) {
		const { rows } = await runAsServiceRole(db, 'audit.seal', (trx) =>
			sql<{ sealed: string }>`select private.seal_audit_chain(${SEAL_BATCH}) as sealed`.execute(trx)
		);
		const sealed = Number(rows[0]?.sealed ?? 0);
		total += sealed;
		if (sealed < SEAL_BATCH) return total;
	}
}

registerJob({
	name: 'audit.seal',
	intervalMs: (config) => config.AUDIT_SEAL_INTERVAL_MS,
	run: sealAuditChain
});
