/**
 * One request, one transaction — what PostgREST does for every request: set the caller's JWT
 * claims and request headers as transaction-local settings, switch to the caller's role, run the
 * queries. Everything is `local`, so nothing survives the transaction on a pooled connection.
 *
 * The web request a transaction serves is found without passing it around: hooks.server.ts runs
 * each request inside `inRequest(describeRequest(event))`, and every `runWithClaims` in it records
 * that request's client address and user agent (the audit log's `ip` and `user_agent`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { assertSystemJob, type SystemJob } from '../../../../supabase/functions/_shared/jobs';
import type { DB } from './database';
import { applicationName } from './observability/request-id';

/** The JWT claims of Supabase Auth that SQL reads through auth.uid(), auth.jwt() and friends. */
export const claimsSchema = z
	.object({
		sub: z.uuid(),
		role: z.enum(['authenticated', 'anon']).default('authenticated'),
		aud: z.string().optional(),
		email: z.string().optional(),
		session_id: z.string().optional(),
		aal: z.enum(['aal1', 'aal2']).optional(),
		exp: z.number().optional(),
		app_metadata: z.record(z.string(), z.unknown()).optional(),
		user_metadata: z.record(z.string(), z.unknown()).optional()
	})
	.loose();

export type Claims = z.input<typeof claimsSchema>;

/**
 * The claims an API key's request runs under (src/lib/server/api-keys/verify.ts makes them): the
 * key is the principal, no person (`sub`) is named. SQL checks the key on every statement
 * (private.api_key_grants) and the transaction starts with private.assert_api_key_active().
 */
export const apiKeyClaimsSchema = z
	.object({
		api_key_id: z.uuid(),
		role: z.literal('authenticated').default('authenticated'),
		aud: z.string().optional()
	})
	.strict();

export type ApiKeyClaims = z.input<typeof apiKeyClaimsSchema>;

/** A person's claims or an API key's: what a request transaction runs as. */
export type Principal = Claims | ApiKeyClaims;

function isApiKeyClaims(claims: Principal): claims is ApiKeyClaims {
	return 'api_key_id' in claims;
}

/**
 * The SQLSTATEs private.assert_api_key_active() raises when a key's request may not run: unknown
 * (TN200), revoked (TN201), expired (TN202), its tenant not active (TN203). The REST API answers
 * them 401.
 */
export const API_KEY_REFUSALS = ['TN200', 'TN201', 'TN202', 'TN203'] as const;
export type ApiKeyRefusal = (typeof API_KEY_REFUSALS)[number];

export function apiKeyRefusal(error: unknown): ApiKeyRefusal | null {
	const code = (error as { code?: unknown } | null)?.code;
	return (API_KEY_REFUSALS as readonly unknown[]).includes(code) ? (code as ApiKeyRefusal) : null;
}

export interface RequestContext {
	/** Request headers as PostgREST exposes them in `request.headers` (lower-case names). */
	headers?: Record<string, string>;
	method?: string;
	path?: string;
	/**
	 * The client's address as the app determined it from its trusted proxies, set as
	 * `tenantry.client_ip`, which private.request_ip() prefers to the headers.
	 */
	clientIp?: string;
	/**
	 * The request's id (observability/request-id.ts), set as `tenantry.request_id` and in
	 * `application_name`, so pg_stat_activity and a slow-query log tie a statement to its request.
	 */
	requestId?: string;
	/** The tenant the request turned out to serve, once known (observability/context.ts): for its log line. */
	tenantId?: string;
	/**
	 * The slug of the tenant whose page the request is for (a `/t/[slug]` route): every person's
	 * transaction the request runs first asks SQL whether its IP allowlist admits the client
	 * (platform/db.ts, public.assert_client_admitted).
	 */
	tenantSlug?: string;
}

const currentRequest = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (a whole web request) so that the transactions it opens record `context`. */
export function inRequest<T>(context: RequestContext, fn: () => T): T {
	return currentRequest.run(context, fn);
}

/** The web request being served, if any. */
export function currentRequestContext(): RequestContext | undefined {
	return currentRequest.getStore();
}

/**
 * TENANTRY_TRACE_TRANSACTIONS=1 prints one `[tx] <who> <method> <path>` line per transaction this
 * module opens (and one `[tx+] …` line per elevation inside one), naming the web request it
 * serves: how tests/integration/transactions.test.ts counts transactions per request.
 */
const TRACE = process.env.TENANTRY_TRACE_TRANSACTIONS === '1';

function trace(mark: string, who: string, context: RequestContext): void {
	if (TRACE) console.log(`[${mark}] ${who} ${context.method ?? '-'} ${context.path ?? '-'}`);
}

/** The SQLSTATE private.assert_session_active() raises: the claims' session has ended. */
export const SESSION_ENDED = 'TN006';

export function isSessionEnded(error: unknown): boolean {
	return (error as { code?: unknown } | null)?.code === SESSION_ENDED;
}

/**
 * Runs `fn` in one transaction as `authenticated` with the given claims (a person's or an API
 * key's), or as `anon` when there are none, recording the current web request (or `context`). A
 * throw inside rolls the whole transaction back.
 *
 * Claims that name a session (every access token does) are checked first, in the same
 * transaction: a session that was signed out, ended by a password change or by refresh-token
 * reuse, or expired, fails with SESSION_ENDED before `fn` runs, so a revoked session's access
 * token stops working on its next request instead of when it expires. An API key's claims are
 * checked the same way (private.assert_api_key_active: one of API_KEY_REFUSALS), so a key revoked
 * since the app cached it is refused on its next request.
 */
export async function runWithClaims<T>(
	db: Kysely<DB>,
	claims: Principal | null,
	fn: (trx: Transaction<DB>) => Promise<T>,
	context: RequestContext = currentRequest.getStore() ?? {}
): Promise<T> {
	if (claims && isApiKeyClaims(claims)) {
		const parsed = apiKeyClaimsSchema.parse(claims);
		trace('tx', 'api_key', context);
		return db.transaction().execute(async (trx) => {
			await setRequest(trx, parsed.role, parsed, context);
			await sql`select private.assert_api_key_active()`.execute(trx);
			return fn(trx);
		});
	}
	const parsed = claims ? claimsSchema.parse(claims) : { role: 'anon' as const };
	trace('tx', parsed.role, context);
	return db.transaction().execute(async (trx) => {
		await setRequest(trx, parsed.role, parsed, context);
		if ('impersonation_id' in parsed) await assertImpersonationActive(trx);
		else if ('session_id' in parsed && parsed.session_id !== undefined)
			await assertSessionActive(trx);
		return fn(trx);
	});
}

/**
 * A staff member's "view as" transaction (claims from governance/view-as.ts: the member's `sub`,
 * `impersonation_id`, `impersonator`, the staff member's own `session_id`): TN509 unless the view
 * is open and the staff member's session live; a read-only view makes the transaction read only.
 */
async function assertImpersonationActive(trx: Transaction<DB>): Promise<void> {
	await sql`select private.assert_impersonation_active()`.execute(trx);
}

/** Raises SESSION_ENDED unless the session of the transaction's claims is still live. */
export async function assertSessionActive(trx: Transaction<DB>): Promise<void> {
	await sql`select private.assert_session_active()`.execute(trx);
}

export { SYSTEM_JOBS, type SystemJob } from '../../../../supabase/functions/_shared/jobs';

export async function runAsServiceRole<T>(
	db: Kysely<DB>,
	job: SystemJob,
	fn: (trx: Transaction<DB>) => Promise<T>
): Promise<T> {
	assertSystemJob(job);
	const request = currentRequest.getStore();
	trace('tx', `job:${job}`, request ?? {});
	return db.transaction().execute(async (trx) => {
		// No headers or address of the request: only its id, so its SQL is still tied to it.
		const context = request?.requestId ? { requestId: request.requestId } : {};
		await setRequest(trx, 'service_role', { role: 'service_role', job }, context);
		return fn(trx);
	});
}

/**
 * The one place a person's transaction becomes a system job: from here to its end, `trx` runs as
 * `service_role` on behalf of `job`, keeping the request's headers and address for the audit log.
 * Only for a write the system makes on the person's behalf after SQL has let the person's own
 * statements through (the invitation email: the outbox is service_role only). Nothing may run as
 * the person after it.
 */
export async function elevateToSystemJob(trx: Transaction<DB>, job: SystemJob): Promise<void> {
	assertSystemJob(job);
	trace('tx+', `job:${job}`, currentRequest.getStore() ?? {});
	await sql`select set_config('request.jwt.claims', ${JSON.stringify({ role: 'service_role', job })}, true),
		set_config('role', 'service_role', true)`.execute(trx);
}

async function setRequest(
	trx: Transaction<DB>,
	role: 'authenticated' | 'anon' | 'service_role',
	claims: Record<string, unknown>,
	context: RequestContext
) {
	await sql`select
		set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
		set_config('request.headers', ${JSON.stringify(context.headers ?? {})}, true),
		set_config('request.method', ${context.method ?? ''}, true),
		set_config('request.path', ${context.path ?? ''}, true),
		set_config('tenantry.client_ip', ${context.clientIp ?? ''}, true),
		set_config('tenantry.request_id', ${context.requestId ?? ''}, true),
		set_config('application_name', ${context.requestId ? applicationName(context.requestId) : 'tenantry'}, true),
		set_config('role', ${role}, true)`.execute(trx);
}
