/**
 * The console's Jobs page (super_admin): every queue's depth and dead letters, through the staff
 * RPCs public.admin_job_queues and public.admin_jobs (which never return payloads), and retry or
 * cancel of one job (public.retry_job, public.cancel_job: staff-checked and audited in SQL).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

type Trx = Transaction<DB>;

export interface JobQueueRow {
	queue: string;
	description: string;
	maxAttempts: number;
	pending: number;
	due: number;
	running: number;
	failed: number;
	oldestDue: Date | null;
	succeededLastDay: number;
}

export async function listJobQueues(trx: Trx): Promise<JobQueueRow[]> {
	const { rows } = await sql<JobQueueRow>`select queue, description, max_attempts as "maxAttempts",
		pending, due, running, failed, oldest_due as "oldestDue", succeeded_last_day as "succeededLastDay"
		from public.admin_job_queues()`.execute(trx);
	return rows;
}

export interface FailedJobRow {
	id: string;
	queue: string;
	tenantName: string | null;
	attempts: number;
	maxAttempts: number;
	lastError: string | null;
	createdAt: Date;
	failedAt: Date | null;
}

export const FAILED_JOB_LIST = defineList({
	sorts: {
		failed: { column: 'failedAt', type: 'timestamptz' },
		queue: { column: 'queue', type: 'text' },
		tenant: { column: 'tenantName', type: 'text' },
		attempts: { column: 'attempts', type: 'integer' }
	},
	defaultSort: 'failed',
	defaultDir: 'desc',
	search: ['queue', 'tenantName', 'lastError', 'id'],
	id: { column: 'id', type: 'uuid' }
});

export function listFailedJobs(trx: Trx, params: ListParams): Promise<ListPage<FailedJobRow>> {
	const query = trx
		.selectFrom(sql<Record<string, unknown>>`public.admin_jobs('failed')`.as('j'))
		.select([
			sql<string>`j.id`.as('id'),
			sql<string>`j.queue`.as('queue'),
			sql<string | null>`j.tenant_name`.as('tenantName'),
			sql<number>`j.attempts`.as('attempts'),
			sql<number>`j.max_attempts`.as('maxAttempts'),
			sql<string | null>`j.last_error`.as('lastError'),
			sql<Date>`j.created_at`.as('createdAt'),
			sql<Date | null>`j.completed_at`.as('failedAt')
		]);
	return listPage(trx, query, FAILED_JOB_LIST, params);
}

/** Queues a dead letter again (TN354 unknown, TN356 not failed or cancelled). */
export async function retryJob(trx: Trx, id: string): Promise<void> {
	await sql`select public.retry_job(${id})`.execute(trx);
}

/** Cancels a job (TN354 unknown, TN355 already succeeded or cancelled). */
export async function cancelJob(trx: Trx, id: string): Promise<void> {
	await sql`select public.cancel_job(${id})`.execute(trx);
}
