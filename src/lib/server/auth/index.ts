/**
 * Authentication for the rest of the app: the provider interface, its errors and the helpers the
 * auth forms use. Which provider runs is decided here and nowhere else.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { DB } from '../db/database';
import { EmbeddedAuth } from './embedded';
import type { AuthProvider } from './provider';
import { resolveAuthSecret } from './secret';

export * from './provider';
export { AuthError, AUTH_ERROR_CODES, AUTH_ERROR_MESSAGES, isAuthError } from './errors';
export type { AuthErrorCode } from './errors';
export { RateLimiter, type RateLimitResult } from './rate-limit';
export { listOutbox, type OutboxEmail } from './outbox';

/** The embedded provider on this process's database (the Supabase provider will join it here). */
export function createAuthProvider(
	db: Kysely<DB>,
	config: Pick<Config, 'AUTH_JWT_SECRET' | 'DATA_DIR' | 'NODE_ENV' | 'PUBLIC_APP_URL'>
): AuthProvider {
	return new EmbeddedAuth({ db, secret: resolveAuthSecret(config), appUrl: config.PUBLIC_APP_URL });
}
