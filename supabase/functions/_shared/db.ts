/**
 * Database access for edge functions: one transaction per unit of work, as a named system job
 * (`service_role` with the job in the claims, so the audit log names it) — what
 * `runAsServiceRole` does in the app. Connects to `SUPABASE_DB_URL`, which Supabase sets for every
 * edge function, and locally to the embedded database served on 54322.
 */
import postgres from 'npm:postgres@3.4.9';
import { assertSystemJob, type SystemJob } from './jobs.ts';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

let client: Sql | undefined;

export function database(): Sql {
	if (!client) {
		const url = Deno.env.get('SUPABASE_DB_URL');
		if (!url) {
			throw new Error('SUPABASE_DB_URL is not set: the function cannot reach the database.');
		}
		// No named prepared statements: Supabase's pooler in transaction mode does not keep them.
		const max = Number(Deno.env.get('SUPABASE_DB_POOL_MAX') ?? 4);
		client = postgres(url, { prepare: false, max, idle_timeout: 20, onnotice: () => {} });
	}
	return client;
}

export async function closeDatabase(): Promise<void> {
	await client?.end({ timeout: 5 });
	client = undefined;
}

/**
 * Runs `fn` in one transaction as `service_role` on behalf of the named system job, one of
 * SYSTEM_JOBS (_shared/jobs.ts, the list the app uses too).
 */
export function asSystemJob<T>(
	job: SystemJob,
	fn: (trx: TransactionSql) => Promise<T>,
	requestId: string | null = null,
): Promise<T> {
	assertSystemJob(job);
	return database().begin(async (trx) => {
		// The app's request id (requestIdOf in http.ts), as the app's own transactions set it.
		await trx`select
			set_config('request.jwt.claims', ${JSON.stringify({ role: 'service_role', job })}, true),
			set_config('tenantry.request_id', ${requestId ?? ''}, true),
			set_config('application_name', ${
			requestId ? `tenantry ${requestId}`.slice(0, 63) : 'tenantry'
		}, true),
			set_config('role', 'service_role', true)`;
		return fn(trx);
	}) as Promise<T>;
}
