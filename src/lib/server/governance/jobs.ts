/**
 * The governance module's jobs, on the shared queue: `governance.retention` (the data policies'
 * deletes and anonymisations, private.apply_retention; then the audit log's whole months past the
 * longest retention, archived and dropped: audit/archive.ts) and `governance.maintenance` (expired
 * sessions and refresh tokens, expired invitations, old idempotency keys, orphaned files:
 * private.run_maintenance). Each job's result is its report — counts only — which the console's
 * Jobs page shows. The scheduled `governance.schedule` queues one real run of each per UTC day
 * (the day is the dedupe key, so every app instance may run the timer); staff queue dry runs and
 * extra runs from the console (public.enqueue_governance_job).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { applyAuditRetention } from '../audit/archive';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { enqueueJob } from '../queue/enqueue';
import { registerQueue } from '../queue/registry';

const payload = z.object({ dry_run: z.boolean().default(false) });

export interface RetentionLine {
	tenant_id: string | null;
	data_class: string;
	action: string;
	retention_days: number;
	rows: number;
}

/** One retention pass (every tenant, then the platform-wide classes); the lines that found rows. */
export async function applyRetention(
	trx: Transaction<DB>,
	dryRun: boolean
): Promise<{ dry_run: boolean; rows: number; lines: RetentionLine[] }> {
	const { rows } = await sql<RetentionLine>`select tenant_id, data_class, action, retention_days,
		rows::int as rows from private.apply_retention(${dryRun}, null) where rows > 0`.execute(trx);
	return { dry_run: dryRun, rows: rows.reduce((sum, line) => sum + line.rows, 0), lines: rows };
}

/**
 * One maintenance pass; its report (what each sweep removed or queued, or would), with the audit
 * log's step under `audit_log`: the monthly partitions created ahead and the ended months closed
 * (checkpoints, private.audit_maintenance).
 */
export async function runMaintenance(
	trx: Transaction<DB>,
	dryRun: boolean
): Promise<Record<string, unknown>> {
	const { rows } = await sql<{
		report: Record<string, unknown>;
		audit_log: { partitions_created: string[]; months_closed: string[] };
	}>`select private.run_maintenance(${dryRun}) as report,
		private.audit_maintenance(${dryRun}) as audit_log`.execute(trx);
	return { ...rows[0]!.report, audit_log: rows[0]!.audit_log };
}

registerQueue({
	name: 'governance.retention',
	job: 'governance.retention',
	leaseSeconds: 300,
	payload,
	handle: (job, ctx) =>
		ctx.asSystem('governance.retention', async (trx) => ({
			...(await applyRetention(trx, job.payload.dry_run)),
			audit_log: await applyAuditRetention(trx, ctx.config, job.payload.dry_run)
		}))
});

registerQueue({
	name: 'governance.maintenance',
	job: 'governance.maintenance',
	leaseSeconds: 300,
	payload,
	handle: (job, ctx) =>
		ctx.asSystem('governance.maintenance', (trx) => runMaintenance(trx, job.payload.dry_run))
});

/** Queues today's real runs (once per UTC day, whatever the timer); returns the jobs' ids. */
export async function scheduleGovernance(db: Kysely<DB>, now = new Date()): Promise<string[]> {
	const day = now.toISOString().slice(0, 10);
	return runAsServiceRole(db, 'governance.schedule', (trx) =>
		Promise.all(
			(['retention', 'maintenance'] as const).map((kind) =>
				enqueueJob(trx, {
					queue: `governance.${kind}`,
					payload: { dry_run: false },
					dedupeKey: `${kind}:${day}`
				})
			)
		)
	);
}

registerJob({
	name: 'governance.schedule',
	intervalMs: (config) => config.GOVERNANCE_SCHEDULE_INTERVAL_MS,
	run: (db) => scheduleGovernance(db)
});
