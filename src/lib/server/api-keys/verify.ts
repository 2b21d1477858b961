/**
 * Who an API key is, fast: `authenticateApiKey(raw, clientIp)` checks the format and checksum,
 * computes the key's HMAC and compares it in constant time with the stored one, found by the key's
 * prefix — from a verified-key cache (by prefix, holding the hash, 60 s) or one lookup.
 *
 * Revocation is effective on the next request although verified keys are cached: the cache holds
 * who a key is, never whether it may still act. That is asked in SQL in the request's own
 * transaction — its first statement, private.assert_api_key_active(), refuses a revoked or expired
 * key or a suspended tenant (TN201–TN203, rls.ts API_KEY_REFUSALS), and every permission check
 * after it reads the key again (private.api_key_grants) — so a key revoked by another process a
 * millisecond ago is refused by this one's next transaction.
 *
 * Contract: null for anything that is not a usable key — malformed, bad checksum, unknown,
 * revoked, expired or of a tenant that is not active, when the lookup sees it; a cached key
 * revoked since is refused by `withClaims(principal.claims, …)` with one of API_KEY_REFUSALS.
 * Both mean 401.
 */
import { timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { getRuntime } from '../platform/db';
import { runAsServiceRole, type ApiKeyClaims } from '../platform/rls';
import { parseApiKey, type ApiKeyMode } from './format';
import { hashApiKey, loadApiKeySecret } from './hashing';

export interface ApiKeyPrincipal {
	kind: 'api_key';
	keyId: string;
	tenantId: string;
	/** Set for a project or environment key. */
	projectId: string | null;
	/** Set for an environment key. */
	environmentId: string | null;
	mode: ApiKeyMode;
	/** The codes it was given (SQL, not this list, decides every request). */
	permissions: string[];
	rateLimitPerMinute: number;
	expiresAt: Date | null;
	/** The address the key was presented from (recorded as last_used_ip by rateLimit). */
	clientIp: string | null;
	/** What to run its request transaction with: `withClaims(principal.claims, trx => …)`. */
	claims: ApiKeyClaims;
}

interface Cached {
	hash: Buffer;
	principal: Omit<ApiKeyPrincipal, 'clientIp'>;
	until: number;
}

interface KeyRow {
	id: string;
	tenant_id: string;
	project_id: string | null;
	environment_id: string | null;
	mode: ApiKeyMode;
	permissions: string[];
	key_hash: Uint8Array;
	rate_limit_per_minute: number;
	expires_at: Date | null;
	usable: boolean;
}

export interface VerifierOptions {
	/** How long a verified key is remembered (0: never). Default 60 s. */
	cacheMs?: number;
	/** At most this many keys are remembered. Default 10 000. */
	maxEntries?: number;
	now?: () => number;
}

export class ApiKeyVerifier {
	private secret: Promise<Buffer> | null = null;
	private readonly cache = new Map<string, Cached>();
	private readonly cacheMs: number;
	private readonly maxEntries: number;
	private readonly now: () => number;

	constructor(
		private readonly db: Kysely<DB>,
		options: VerifierOptions = {}
	) {
		this.cacheMs = options.cacheMs ?? 60_000;
		this.maxEntries = options.maxEntries ?? 10_000;
		this.now = options.now ?? Date.now;
	}

	async authenticate(raw: string, clientIp: string | null): Promise<ApiKeyPrincipal | null> {
		const parsed = parseApiKey(raw);
		if (!parsed) return null;
		this.secret ??= loadApiKeySecret(this.db).catch((error: unknown) => {
			this.secret = null;
			throw error;
		});
		const hash = hashApiKey(await this.secret, raw);
		const now = this.now();
		const cached = this.cache.get(parsed.prefix);
		if (cached && cached.until > now) {
			if (!timingSafeEqual(cached.hash, hash)) return null;
			if (cached.principal.expiresAt && cached.principal.expiresAt.getTime() <= now) {
				this.cache.delete(parsed.prefix);
				return null;
			}
			return { ...cached.principal, clientIp };
		}
		const row = await this.lookup(parsed.prefix);
		if (!row || !timingSafeEqual(Buffer.from(row.key_hash), hash) || !row.usable) {
			this.cache.delete(parsed.prefix);
			return null;
		}
		const principal: Omit<ApiKeyPrincipal, 'clientIp'> = {
			kind: 'api_key',
			keyId: row.id,
			tenantId: row.tenant_id,
			projectId: row.project_id,
			environmentId: row.environment_id,
			mode: row.mode,
			permissions: row.permissions,
			rateLimitPerMinute: row.rate_limit_per_minute,
			expiresAt: row.expires_at,
			claims: { role: 'authenticated', api_key_id: row.id }
		};
		if (this.cacheMs > 0) {
			if (this.cache.size >= this.maxEntries) {
				this.cache.delete(this.cache.keys().next().value!);
			}
			this.cache.set(parsed.prefix, { hash, principal, until: now + this.cacheMs });
		}
		return { ...principal, clientIp };
	}

	/** Forgets one key (the app revoked it) or every key. */
	forget(prefix?: string): void {
		if (prefix) this.cache.delete(prefix);
		else this.cache.clear();
	}

	private async lookup(prefix: string): Promise<KeyRow | undefined> {
		const { rows } = await runAsServiceRole(this.db, 'api_keys.verify', (trx) =>
			sql<KeyRow>`select * from private.api_key_by_prefix(${prefix})`.execute(trx)
		);
		return rows[0];
	}
}

let shared: { db: Kysely<DB>; verifier: ApiKeyVerifier } | undefined;

/** The process's verifier, over the runtime's database. */
export async function apiKeyVerifier(): Promise<ApiKeyVerifier> {
	const runtime = getRuntime();
	if (!runtime) throw new Error('The database has not been started: call bootstrap() first.');
	const { db } = (await runtime).engine;
	if (shared?.db !== db) shared = { db, verifier: new ApiKeyVerifier(db) };
	return shared.verifier;
}

/**
 * The key's principal, or null when `raw` is not a usable key (see the contract above). Run its
 * request with `withClaims(principal.claims, trx => …)` and call `rateLimit(principal.keyId)`.
 */
export async function authenticateApiKey(
	raw: string,
	clientIp: string | null
): Promise<ApiKeyPrincipal | null> {
	return (await apiKeyVerifier()).authenticate(raw, clientIp);
}
