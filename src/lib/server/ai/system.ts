/**
 * A system write inside a person's transaction, after which the transaction is the person's again:
 * the gateway records a run and uses a provider's key as the `ai.gateway` job (tokens and costs
 * are written by no API role, and a member with ai.use may call a model whose key only ai.manage
 * may use), then goes on as the caller (RAG keeps writing chunks as the person).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { elevateToSystemJob, type SystemJob } from '../platform/rls';

export async function asSystemJobWithin<T>(
	trx: Transaction<DB>,
	job: SystemJob,
	fn: () => Promise<T>
): Promise<T> {
	const {
		rows: [saved]
	} = await sql<{ claims: string | null; role: string }>`
		select current_setting('request.jwt.claims', true) as claims, current_user::text as role`.execute(
		trx
	);
	const restore = () =>
		sql`select set_config('request.jwt.claims', ${saved!.claims ?? ''}, true),
			set_config('role', ${saved!.role}, true)`.execute(trx);
	await elevateToSystemJob(trx, job);
	let result: T;
	try {
		result = await fn();
	} catch (error) {
		// An SQL error in fn aborted the transaction: nothing more runs in it, as anyone. Otherwise
		// the transaction is the caller's again before the error goes on.
		await restore().catch(() => undefined);
		throw error;
	}
	await restore();
	return result;
}
