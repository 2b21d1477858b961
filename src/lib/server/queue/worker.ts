/**
 * The worker: claims due jobs of its queues (public.claim_jobs, FOR UPDATE SKIP LOCKED, a lease),
 * runs each queue's handler up to its concurrency, renews the lease at half time while the handler
 * runs, and completes or fails the job. It looks for work when told (`wake`: LISTEN jobs, the
 * scheduler's tick), when a handler finishes, and at the earliest due time the database reports
 * (a retry's backoff, a lease that will pass). Stopping waits for the handlers in flight up to a
 * grace period, then aborts them; a job it still holds comes back when its lease passes, to this
 * worker's successor or another.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole, runWithClaims, type SystemJob } from '../platform/rls';
import {
	PermanentJobError,
	type JobContext,
	type QueueDefinition,
	type QueuedJob
} from './registry';

/** The SQLSTATE of a job the worker no longer holds (finished, cancelled, its lease taken). */
export const JOB_LOST = 'TN353';
/** Never sleep longer than this without asking the database what is due. */
const MAX_SLEEP_MS = 60_000;

interface JobRow {
	id: string;
	queue: string;
	tenant_id: string | null;
	payload: Record<string, unknown>;
	dedupe_key: string | null;
	attempts: number;
	max_attempts: number;
	last_error: string | null;
	run_at: Date | string;
	created_at: Date | string;
}

export interface WorkerOptions {
	db: Kysely<DB>;
	config: Config;
	queues: QueueDefinition<unknown>[];
	/** claimed_by in the jobs table (default host:pid:random). */
	workerId?: string;
	/** How long stop() waits for handlers in flight before aborting them (default 10 s). */
	shutdownGraceMs?: number;
	log?: (line: string) => void;
}

export interface Worker {
	readonly id: string;
	/** Looks for work now (or once more after the look in flight). */
	wake(): void;
	/** Looks for work and resolves when that look has claimed what it could. */
	tick(): Promise<void>;
	/** Jobs being run now. */
	readonly running: number;
	stop(): Promise<void>;
}

function codeOf(error: unknown): unknown {
	return (error as { code?: unknown } | null)?.code;
}

export function createWorker(options: WorkerOptions): Worker {
	const { db, config } = options;
	const log = options.log ?? (() => {});
	const id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
	const grace = options.shutdownGraceMs ?? 10_000;
	const queues = new Map(options.queues.map((q) => [q.name, q]));
	const names = [...queues.keys()];
	const busy = new Map(names.map((name) => [name, 0]));
	const inFlight = new Map<
		string,
		{ done: Promise<void>; abort: AbortController; heartbeat?: NodeJS.Timeout }
	>();
	let stopped = false;
	let looking: Promise<void> | null = null;
	let again = false;
	let timer: NodeJS.Timeout | undefined;
	let timerAt = Infinity;

	const asSystem = <T>(job: SystemJob, fn: Parameters<JobContext['asSystem']>[1]) =>
		runAsServiceRole(db, job, fn) as Promise<T>;

	const arm = (at: number) => {
		if (stopped || at >= timerAt) return;
		clearTimeout(timer);
		timerAt = at;
		timer = setTimeout(
			() => {
				timerAt = Infinity;
				worker.wake();
			},
			Math.max(0, at - Date.now())
		).unref();
	};

	async function claim(queue: QueueDefinition<unknown>, max: number): Promise<JobRow[]> {
		const { rows } = await runAsServiceRole(db, queue.job, (trx) =>
			sql<JobRow>`select * from public.claim_jobs(${[queue.name]}::text[], ${id}, ${max}::integer,
				${queue.leaseSeconds ?? 60}::integer)`.execute(trx)
		);
		return rows;
	}

	async function settle(
		queue: QueueDefinition<unknown>,
		row: JobRow,
		outcome: () => Promise<unknown>
	) {
		try {
			await outcome();
		} catch (error) {
			if (codeOf(error) === JOB_LOST)
				log(`jobs: ${queue.name} ${row.id}: lost (${(error as Error).message})`);
			else log(`jobs: ${queue.name} ${row.id}: not recorded: ${(error as Error).message}`);
		}
	}

	async function run(queue: QueueDefinition<unknown>, row: JobRow, abort: AbortController) {
		const lease = queue.leaseSeconds ?? 60;
		const heartbeat = setInterval(
			() => {
				if (stopped) return;
				runAsServiceRole(db, queue.job, (trx) =>
					sql`select public.extend_job_lease(${row.id}, ${id}, ${lease}::integer)`.execute(trx)
				).catch((error: unknown) => {
					if (codeOf(error) === JOB_LOST)
						abort.abort(new Error('The job was lost: cancelled or taken.'));
				});
			},
			(lease * 1000) / 2
		).unref();
		inFlight.get(row.id)!.heartbeat = heartbeat;
		const job: QueuedJob<unknown> = {
			id: row.id,
			queue: row.queue,
			tenantId: row.tenant_id,
			payload: row.payload,
			dedupeKey: row.dedupe_key,
			attempt: row.attempts,
			maxAttempts: row.max_attempts,
			lastError: row.last_error,
			runAt: new Date(row.run_at),
			createdAt: new Date(row.created_at)
		};
		try {
			if (queue.payload) {
				const parsed = queue.payload.safeParse(row.payload);
				if (!parsed.success) {
					throw new PermanentJobError(
						`The payload does not fit ${queue.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`
					);
				}
				job.payload = parsed.data;
			}
			const result = await queue.handle(job, {
				db,
				config,
				workerId: id,
				signal: abort.signal,
				asSystem,
				asUser: (claims, fn) => runWithClaims(db, claims, fn, {})
			});
			clearInterval(heartbeat);
			await settle(queue, row, () =>
				runAsServiceRole(db, queue.job, (trx) =>
					sql`select public.complete_job(${row.id}, ${id}, ${result ? JSON.stringify(result) : null}::jsonb)`.execute(
						trx
					)
				)
			);
		} catch (error) {
			clearInterval(heartbeat);
			const message = (error as Error)?.message || String(error);
			const retryable = !(error instanceof PermanentJobError);
			await settle(queue, row, () =>
				runAsServiceRole(db, queue.job, (trx) =>
					sql`select * from public.fail_job(${row.id}, ${id}, ${message}, ${retryable})`.execute(
						trx
					)
				)
			);
		}
	}

	function start(queue: QueueDefinition<unknown>, row: JobRow) {
		const abort = new AbortController();
		busy.set(queue.name, busy.get(queue.name)! + 1);
		const entry: { done: Promise<void>; abort: AbortController } = {
			done: Promise.resolve(),
			abort
		};
		inFlight.set(row.id, entry);
		entry.done = run(queue, row, abort).finally(() => {
			inFlight.delete(row.id);
			busy.set(queue.name, busy.get(queue.name)! - 1);
			worker.wake();
		});
	}

	async function look() {
		for (const name of names) {
			const queue = queues.get(name)!;
			const free = (queue.concurrency ?? 1) - busy.get(name)!;
			if (stopped || free <= 0) continue;
			for (const row of await claim(queue, free)) start(queue, row);
		}
		if (stopped) return;
		const { rows } = await runAsServiceRole(db, 'queue.work', (trx) =>
			sql<{
				due: Date | string | null;
			}>`select public.jobs_next_due(${names}::text[]) as due`.execute(trx)
		);
		const due = rows[0]?.due ? new Date(rows[0].due).getTime() : Infinity;
		// Due now but every slot is taken: a finishing handler wakes the worker instead.
		arm(Math.min(Math.max(due, Date.now() + 10), Date.now() + MAX_SLEEP_MS));
	}

	const worker: Worker = {
		id,
		get running() {
			return inFlight.size;
		},
		wake() {
			void worker.tick();
		},
		tick() {
			if (stopped) return Promise.resolve();
			if (looking) {
				again = true;
				return looking;
			}
			looking = look()
				.catch((error: Error) => log(`jobs: ${error.message}`))
				.finally(() => {
					looking = null;
					if (again) {
						again = false;
						worker.wake();
					}
				});
			return looking;
		},
		async stop() {
			stopped = true;
			clearTimeout(timer);
			await looking;
			const all = Promise.all([...inFlight.values()].map((f) => f.done));
			let graceTimer: NodeJS.Timeout | undefined;
			const waited = await Promise.race([
				all.then(() => true),
				new Promise<false>((resolve) => (graceTimer = setTimeout(() => resolve(false), grace)))
			]);
			clearTimeout(graceTimer);
			if (!waited) {
				log(`jobs: ${inFlight.size} job(s) still running at shutdown: aborted, their leases pass`);
				for (const f of inFlight.values()) {
					clearInterval(f.heartbeat);
					f.abort.abort(new Error('The worker is shutting down.'));
				}
			}
		}
	};
	return worker;
}
