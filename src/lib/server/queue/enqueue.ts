/**
 * Queues a job from TypeScript, in the caller's transaction (so the job exists if and only if the
 * transaction commits). `private.enqueue_job` is callable by service_role and by the definer
 * functions of modules: a person's transaction queues work through its module's RPC, which decides
 * whether they may.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface EnqueueOptions {
	queue: string;
	payload: Record<string, unknown>;
	tenantId?: string | null;
	runAt?: Date;
	/** One job per key and queue: enqueueing the same key again returns the first job's id. */
	dedupeKey?: string | null;
	maxAttempts?: number | null;
}

/** The job's id (the existing job's, when the dedupe key was queued before). */
export async function enqueueJob(trx: Transaction<DB>, options: EnqueueOptions): Promise<string> {
	const { rows } = await sql<{ id: string }>`select private.enqueue_job(
		${options.queue}, ${JSON.stringify(options.payload)}::jsonb, ${options.tenantId ?? null}::uuid,
		${(options.runAt ?? null)?.toISOString() ?? null}::timestamptz, ${options.dedupeKey ?? null},
		${options.maxAttempts ?? null}::integer) as id`.execute(trx);
	return rows[0]!.id;
}
