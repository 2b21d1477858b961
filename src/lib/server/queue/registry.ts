/**
 * The queues of the app's modules. A module declares each of its queues once, from its own job
 * file (imported by src/lib/server/modules.ts), with `registerQueue`; the worker the runtime starts
 * (worker-job.ts) claims for every registered queue. The queue itself is registered in SQL by the
 * module's migration (`private.register_job_queue`), which sets its attempts and retry schedule:
 * docs/queue.md.
 */
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import type { Principal, SystemJob } from '../platform/rls';

/** A claimed job, as its handler sees it. */
export interface QueuedJob<P = Record<string, unknown>> {
	id: string;
	queue: string;
	tenantId: string | null;
	payload: P;
	dedupeKey: string | null;
	/** This attempt's number (1 on the first run). */
	attempt: number;
	maxAttempts: number;
	/** The error of the previous attempt, if it failed. */
	lastError: string | null;
	runAt: Date;
	createdAt: Date;
}

export interface JobContext {
	db: Kysely<DB>;
	config: Config;
	/** The worker's name, as the job's claimed_by says. */
	workerId: string;
	/** Aborted when the job's lease is lost (cancelled, or taken by another worker) or at shutdown. */
	signal: AbortSignal;
	/** A transaction as `service_role` on behalf of `job` (listed in SYSTEM_JOBS). */
	asSystem<T>(job: SystemJob, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
	/** A transaction under a principal's claims, RLS deciding (a workflow's step as its owner). */
	asUser<T>(claims: Principal, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
}

export interface QueueDefinition<P = Record<string, unknown>> {
	/** The queue's name, as its migration registered it (module.name). */
	name: string;
	/** The system job the worker claims and completes this queue's jobs as. */
	job: SystemJob;
	/** Jobs of this queue one worker runs at a time (default 1). */
	concurrency?: number;
	/** How long a claim lasts; the worker renews it at half time while the handler runs (default 60). */
	leaseSeconds?: number;
	/** The payload's schema: a payload it refuses fails the job at once (not retried). */
	payload?: z.ZodType<P>;
	/**
	 * Runs one job. What it returns (a JSON object, or nothing) is stored as the job's result; a
	 * throw fails the attempt (retried after the queue's schedule) and `PermanentJobError` fails
	 * the job for good. At least once: a job whose worker died runs again, so handlers are
	 * idempotent (a dedupe key, or a check of what the last attempt did).
	 */
	handle(job: QueuedJob<P>, ctx: JobContext): Promise<Record<string, unknown> | void>;
}

/** A failure that retrying cannot mend: the job becomes a dead letter at once. */
export class PermanentJobError extends Error {
	override name = 'PermanentJobError';
}

const registered = new Map<string, QueueDefinition<never>>();

export function registerQueue<P>(definition: QueueDefinition<P>): void {
	if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(definition.name)) {
		throw new Error(`A queue is named module.name in lower case, not "${definition.name}".`);
	}
	registered.set(definition.name, definition as unknown as QueueDefinition<never>);
}

export function registeredQueues(): QueueDefinition<unknown>[] {
	return [...registered.values()] as QueueDefinition<unknown>[];
}

/** Forgets a queue (tests that register their own). */
export function unregisterQueue(name: string): void {
	registered.delete(name);
}
