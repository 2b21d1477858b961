/**
 * The key that seals secrets the product must use again (supabase/functions/_shared/secret-box.ts):
 * SECRETS_ENCRYPTION_KEY when set (required in production), otherwise derived from the auth
 * secret, so a development database's sealed secrets open after a restart. The edge functions are
 * given the same key (`secretsKeyText`) by npm start.
 */
import { deriveKey, resolveAuthSecret } from '../auth/secret';
import { decodeKey, open, seal } from '../../../../supabase/functions/_shared/secret-box';
import type { Config } from './config';

type KeyConfig = Pick<
	Config,
	'SECRETS_ENCRYPTION_KEY' | 'AUTH_JWT_SECRET' | 'DATA_DIR' | 'NODE_ENV'
>;

/** The key as base64 text, for the edge functions' environment. */
export function secretsKeyText(config: KeyConfig): string {
	return (
		config.SECRETS_ENCRYPTION_KEY ?? deriveKey(resolveAuthSecret(config), 'secrets-encryption')
	);
}

export function secretsKey(config: KeyConfig): Uint8Array<ArrayBuffer> {
	return decodeKey(secretsKeyText(config));
}

/** Seals `plaintext` for the row `context` names (`<table>:<id>`). */
export function sealSecret(config: KeyConfig, plaintext: string, context: string): Promise<string> {
	return seal(plaintext, secretsKey(config), context);
}

/** Opens what `sealSecret` sealed for the same `context`; throws a sentence otherwise. */
export function openSecret(config: KeyConfig, sealed: string, context: string): Promise<string> {
	return open(sealed, secretsKey(config), context);
}
