/**
 * Webhook signing secrets (docs/webhooks.md): `whsec_` + base64 of 32 random bytes, made here,
 * sealed with the app's secrets key (platform/secrets.ts, AES-256-GCM) bound to the row id the
 * secret is stored under, and handed to SQL only sealed. The dispatcher opens them to sign; the
 * page and the API open the current one on request (public.reveal_webhook_secret, audited).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { openSecret, sealSecret } from '../platform/secrets';

type KeyConfig = Parameters<typeof sealSecret>[0];

export const SECRET_PREFIX = 'whsec_';
/** Random bytes in a secret (Standard Webhooks allows 24 to 64). */
export const SECRET_BYTES = 32;

/** What a secret's row id binds its sealed form to. */
export function secretContext(secretId: string): string {
	return `webhook_endpoint_secrets:${secretId}`;
}

export function generateSigningSecret(): string {
	return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export interface SealedSecret {
	/** The row id the secret will be stored under (and is sealed for). */
	id: string;
	sealed: string;
}

/** A new secret, sealed for a new row id: what create and rotate pass to SQL. */
export async function newSealedSecret(config: KeyConfig): Promise<SealedSecret> {
	const id = randomUUID();
	return { id, sealed: await sealSecret(config, generateSigningSecret(), secretContext(id)) };
}

/** Opens a sealed secret of row `secretId`; throws a sentence when it was sealed for another row or key. */
export function openSigningSecret(
	config: KeyConfig,
	secretId: string,
	sealed: string
): Promise<string> {
	return openSecret(config, sealed, secretContext(secretId));
}
