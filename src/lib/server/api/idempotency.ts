/**
 * `Idempotency-Key` on POST, as Stripe does it: the first response to a key is kept for 24 hours
 * (public.api_idempotency, under RLS, per API key or user) and a retry with the same key and the
 * same request gets it again (`Idempotent-Replayed: true`); the same key with another request is
 * refused (TN225). The record is written in the request's own transaction: a concurrent retry's
 * insert waits on the first request's uncommitted row, then replays what it committed. Refusals
 * (4xx but 429) are kept too — the handler runs inside a savepoint, rolled back on a refusal so
 * the record of it still commits; a server error keeps nothing, so the retry runs again.
 */
import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { ApiProblem, toProblem, type Problem } from './problem';

export interface StoredResponse {
	status: number;
	body: unknown;
	replayed?: boolean;
}

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function requestHash(parts: unknown[]): string {
	return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export async function idempotent(
	trx: Transaction<DB>,
	record: { key: string; tenantId: string; hash: string },
	run: () => Promise<StoredResponse>
): Promise<StoredResponse> {
	const { rows } = await sql<{ principal: string }>`
		insert into public.api_idempotency (key, tenant_id, request_hash)
		values (${record.key}, ${record.tenantId}, ${record.hash})
		on conflict (principal, key) do update
			set request_hash = excluded.request_hash, status = null, body = null, created_at = now()
			where public.api_idempotency.created_at < now() - interval '24 hours'
		returning principal`.execute(trx);
	if (rows.length === 0) {
		const first = await trx
			.selectFrom('api_idempotency')
			.select(['request_hash', 'status', 'body'])
			.where('key', '=', record.key)
			.executeTakeFirstOrThrow();
		if (first.request_hash !== record.hash || first.status === null) throw new ApiProblem('TN225');
		return { status: first.status, body: JSON.parse(first.body ?? 'null'), replayed: true };
	}
	await sql`savepoint api_request`.execute(trx);
	let response: StoredResponse;
	try {
		response = await run();
	} catch (error) {
		const problem: Problem | null = toProblem(error);
		if (!problem || problem.status >= 500 || problem.status === 429) throw error;
		await sql`rollback to savepoint api_request`.execute(trx);
		response = { status: problem.status, body: problem };
	}
	// By its full key: a handler that ended as a system job (the invitation email) writes it too.
	await trx
		.updateTable('api_idempotency')
		.set({ status: response.status, body: JSON.stringify(response.body ?? null) })
		.where('principal', '=', rows[0]!.principal)
		.where('key', '=', record.key)
		.execute();
	return response;
}
