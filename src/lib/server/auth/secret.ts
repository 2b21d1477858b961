/**
 * The auth secret: AUTH_JWT_SECRET when set (required in production, see config.ts). Otherwise,
 * in development, one generated on first start and kept beside the embedded database
 * (`<parent of DATA_DIR>/jwt-secret`, mode 0600) so sessions survive a restart; for an in-memory
 * database, whose users die with the process, a fresh one per process.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../platform/config';

export const SECRET_FILE_NAME = 'jwt-secret';

let processSecret: string | undefined;

export function resolveAuthSecret(
	config: Pick<Config, 'AUTH_JWT_SECRET' | 'DATA_DIR' | 'NODE_ENV'>
): string {
	if (config.AUTH_JWT_SECRET) return config.AUTH_JWT_SECRET;
	if (config.NODE_ENV === 'production') {
		throw new Error('AUTH_JWT_SECRET is required in production.');
	}
	if (config.DATA_DIR === 'memory://')
		return (processSecret ??= randomBytes(48).toString('base64url'));
	const file = join(dirname(config.DATA_DIR), SECRET_FILE_NAME);
	if (existsSync(file)) {
		const secret = readFileSync(file, 'utf8').trim();
		if (secret.length >= 32) return secret;
		throw new Error(`${file} holds fewer than 32 characters; delete it to have a new one made.`);
	}
	mkdirSync(dirname(file), { recursive: true });
	const secret = randomBytes(48).toString('base64url');
	// wx: never overwrite a secret another process has just written.
	try {
		writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST')
			return readFileSync(file, 'utf8').trim();
		throw error;
	}
	chmodSync(file, 0o600);
	return secret;
}

/**
 * A key for one purpose, derived from the auth secret (HKDF-SHA256), so the secret that signs
 * tokens is not also the key that encrypts TOTP secrets.
 */
export function deriveKey(secret: string, purpose: string): string {
	return Buffer.from(hkdfSync('sha256', secret, 'tenantry', purpose, 32)).toString('base64url');
}

/** sha256 of a token, hex: how confirmation, recovery, refresh and recovery-code tokens are stored. */
export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** A random token of 32 bytes, base64url (43 characters): for links and refresh tokens. */
export function randomToken(): string {
	return randomBytes(32).toString('base64url');
}
