/**
 * Who an API request runs as, found in one of three ways, in this order:
 *   1. `Authorization: Bearer tnt_live_…` / `tnt_test_…`: an API key (the API keys module verifies
 *      it; its rights reach SQL through the claims it runs the transaction with);
 *   2. `Authorization: Bearer <jwt>`: a Supabase (or embedded) access token, verified as a
 *      session cookie's would be;
 *   3. the session cookie the `authenticate` hook read (hooks.server.ts).
 * A bad `Authorization` header is refused (TN222) rather than falling back to the cookie.
 * Every principal runs a request as ONE transaction under RLS (`run`), as a page does.
 */
import type { RequestEvent } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import { authenticateApiKey } from '../api-keys/verify';
import { rateLimit } from '../api-keys/rate-limit';
import type { AccessClaims } from '../auth';
import type { DB } from '../platform/database';
import { currentRequestContext, runWithClaims } from '../platform/rls';
import { ensureRuntime, getAuth } from '../platform/runtime';
import { WindowLimiter, type RateLimitState } from './limits';
import { ApiProblem } from './problem';

export interface Principal {
	kind: 'session' | 'token' | 'key';
	/** The user's id, or the API key's. */
	subject: string;
	/** How the principal signs what it does (an invitation's "invited by"): an email, a key's name. */
	displayName: string | null;
	/** An API key's tenant; a person names the tenant of each request (Tenantry-Tenant). */
	keyTenantId: string | null;
	/** Runs the request's one transaction as this principal. */
	run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
	/** Counts the request against the principal's rate limit. */
	limit(): Promise<RateLimitState>;
}

/** What looks like an API key rather than a JWT (the format and checksum are the API keys module's to check). */
export const LOOKS_LIKE_API_KEY = /^tnt_(live|test)_/;

let personLimiter: WindowLimiter | undefined;

async function limitPerson(userId: string): Promise<RateLimitState> {
	personLimiter ??= new WindowLimiter(
		'person',
		(await ensureRuntime()).config.API_PERSON_RATE_LIMIT,
		60_000
	);
	return personLimiter.hit(userId);
}

function person(kind: 'session' | 'token', claims: AccessClaims): Principal {
	return {
		kind,
		subject: claims.sub,
		displayName: claims.email ?? null,
		keyTenantId: null,
		run: async (fn) => runWithClaims((await ensureRuntime()).engine.db, claims, fn),
		limit: () => limitPerson(claims.sub)
	};
}

/** The request's principal, or a TN221 / TN222 refusal. */
export async function authenticate(
	event: Pick<RequestEvent, 'request' | 'locals'>
): Promise<Principal> {
	const header = event.request.headers.get('authorization');
	if (header !== null) {
		const bearer = /^Bearer +(\S+)$/i.exec(header.trim())?.[1];
		if (!bearer) throw new ApiProblem('TN222', 'Use Authorization: Bearer <token or API key>.');
		if (LOOKS_LIKE_API_KEY.test(bearer)) return apiKey(bearer);
		try {
			return person('token', await (await getAuth()).verifyAccessToken(bearer));
		} catch {
			throw new ApiProblem('TN222');
		}
	}
	if (event.locals.claims) return person('session', event.locals.claims);
	throw new ApiProblem('TN221');
}

/**
 * An API key (api-keys/verify.ts: format, checksum, HMAC, the verified-key cache). Its request
 * runs under the key's claims, whose first statement re-checks that the key is still live
 * (revoked, expired, suspended tenant: TN200–TN203, answered 401), and its rate limit is the
 * key's own, counted in Postgres so every process shares it.
 */
async function apiKey(raw: string): Promise<Principal> {
	const clientIp = currentRequestContext()?.clientIp ?? null;
	const key = await authenticateApiKey(raw, clientIp);
	if (!key) throw new ApiProblem('TN222');
	return {
		kind: 'key',
		subject: key.keyId,
		displayName: null,
		keyTenantId: key.tenantId,
		run: async (fn) => runWithClaims((await ensureRuntime()).engine.db, key.claims, fn),
		async limit() {
			const state = await rateLimit(key.keyId, clientIp);
			return { policy: 'key', windowSeconds: 60, ...state };
		}
	};
}
