/**
 * Authentication for the rest of the app: the provider interface, its errors and the helpers the
 * auth forms use. Which provider runs is decided here and nowhere else.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { withSecurityNotices } from '../notifications/security';
import { EmbeddedAuth } from './embedded';
import type { AuthProvider } from './provider';
import { resolveAuthSecret } from './secret';
import { SupabaseAuth } from './supabase';

export * from './provider';
export { AuthError, AUTH_ERROR_CODES, AUTH_ERROR_MESSAGES, isAuthError } from './errors';
export type { AuthErrorCode } from './errors';
export { RateLimiter, type RateLimitResult } from './rate-limit';

/**
 * The provider AUTH_PROVIDER names: the embedded one on this process's database, or Supabase Auth
 * of SUPABASE_URL (whose database `db` then is, for the session list) — either reporting new
 * sign-ins and removed factors as security notices (notifications/security.ts).
 */
export function createAuthProvider(
	db: Kysely<DB>,
	config: Pick<Config, 'AUTH_JWT_SECRET' | 'DATA_DIR' | 'NODE_ENV' | 'PUBLIC_URL'> &
		Partial<Pick<Config, 'AUTH_PROVIDER' | 'SUPABASE_URL' | 'SUPABASE_ANON_KEY'>>
): AuthProvider {
	if (config.AUTH_PROVIDER === 'supabase') {
		if (!config.SUPABASE_URL || !config.SUPABASE_ANON_KEY) {
			throw new Error('AUTH_PROVIDER=supabase needs SUPABASE_URL and SUPABASE_ANON_KEY.');
		}
		return withSecurityNotices(
			db,
			new SupabaseAuth({ url: config.SUPABASE_URL, anonKey: config.SUPABASE_ANON_KEY, db })
		);
	}
	return withSecurityNotices(
		db,
		new EmbeddedAuth({ db, secret: resolveAuthSecret(config), appUrl: config.PUBLIC_URL })
	);
}
