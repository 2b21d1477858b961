/**
 * The privacy module's background work:
 *
 * - `privacy.erase` (job queue): an erasure request moved to in progress. Runs
 *   private.run_gdpr_erasure (the person's account, name, email and IPs everywhere; the audit
 *   chain kept), then VACUUMs the tables it changed so the old row versions leave the data files
 *   too (the embedded database has no autovacuum).
 * - `privacy.reminders` (scheduled, hourly): each open request due within seven days is reminded
 *   once (gdpr_request.due_soon, notified to holders of privacy.manage).
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { registerQueue } from '../queue/registry';

const HOUR = 60 * 60 * 1000;

/** VACUUMs each table an erasure changed ("schema.table.column" keys of its outcome). */
export async function vacuumErased(
	db: Kysely<DB>,
	outcome: Record<string, unknown>
): Promise<string[]> {
	const tables = new Set(['public.audit_logs', 'public.events', 'public.profiles', 'auth.users']);
	for (const key of Object.keys(outcome)) {
		const [schema, table] = key.split('.');
		if (table) tables.add(`${schema}.${table}`);
	}
	const done: string[] = [];
	for (const table of tables) {
		if (!/^[a-z_]+\.[a-z_]+$/.test(table)) continue;
		await sql`vacuum ${sql.raw(table)}`.execute(db);
		done.push(table);
	}
	return done;
}

registerQueue({
	name: 'privacy.erase',
	job: 'privacy.erase',
	leaseSeconds: 300,
	payload: z.object({ request_id: z.uuid() }),
	async handle(job, ctx) {
		const outcome = await ctx.asSystem('privacy.erase', async (trx) => {
			const { rows } = await sql<{
				outcome: Record<string, number>;
			}>`select private.run_gdpr_erasure(${job.payload.request_id}::uuid) as outcome`.execute(trx);
			return rows[0]!.outcome;
		});
		const vacuumed = await vacuumErased(ctx.db, outcome);
		return { outcome, vacuumed };
	}
});

/** Reminds each open request due within a week, once; returns how many. */
export async function remindRequests(db: Kysely<DB>): Promise<number> {
	const { rows } = await runAsServiceRole(db, 'privacy.reminders', (trx) =>
		sql<{ n: number }>`select private.remind_gdpr_requests() as n`.execute(trx)
	);
	return Number(rows[0]?.n ?? 0);
}

registerJob({ name: 'privacy.reminders', intervalMs: () => HOUR, run: (db) => remindRequests(db) });
