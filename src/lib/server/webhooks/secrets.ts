/**
 * Webhook signing secrets (docs/webhooks.md): `whsec_` + base64 of 32 random bytes, made here.
 * Each is a version of its endpoint's owned secret on the secrets store (owner webhook_endpoint,
 * name `signing_secret`): sealed with envelope encryption (secrets/envelope.ts) and handed to SQL
 * only sealed, so key rotation re-wraps it with every other secret. The dispatcher opens them to
 * sign; the page and the API open the current one on request (public.reveal_webhook_secret,
 * audited). Rows written before the secrets store hold the old direct seal until the
 * webhooks.move_secrets job moves them (move-job.ts); they still open here meanwhile.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { openWithKeys } from '../../../../supabase/functions/_shared/secret-box';
import {
	keyEncryptionKeys,
	openSealedVersion,
	sealVersion,
	type NewSealedVersion,
	type SealedVersion,
	type SecretsConfig
} from '../secrets/envelope';

export const SECRET_PREFIX = 'whsec_';
/** Random bytes in a secret (Standard Webhooks allows 24 to 64). */
export const SECRET_BYTES = 32;

/** What a row of the old form (before the secrets store) was sealed for. */
export function legacySecretContext(rowId: string): string {
	return `webhook_endpoint_secrets:${rowId}`;
}

export function generateSigningSecret(): string {
	return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** A signing secret sealed as a version of the endpoint's owned secret `secretId`. */
export interface SealedSigningSecret extends NewSealedVersion {
	secretId: string;
}

/**
 * `value` (a new secret by default) sealed as a new version of the endpoint's owned secret
 * (`secretId`; a new id when the endpoint has none yet), for create and rotate to pass to SQL.
 */
export async function sealSigningSecret(
	config: SecretsConfig,
	ids: { tenantId: string; secretId?: string | null; versionId?: string },
	value: string = generateSigningSecret()
): Promise<SealedSigningSecret> {
	const secretId = ids.secretId ?? randomUUID();
	const sealed = await sealVersion(
		config,
		{ tenantId: ids.tenantId, secretId },
		value,
		ids.versionId
	);
	return { secretId, ...sealed };
}

/** What the reveal RPC returns: the row id and its sealed version, or the old form. */
export type StoredSigningSecret =
	| { id: string; version: SealedVersion; sealed: null }
	| { id: string; version: null; sealed: string };

/** Opens a stored signing secret; throws a sentence when it does not open. */
export function openSigningSecret(
	config: SecretsConfig,
	secret: StoredSigningSecret
): Promise<string> {
	if (secret.version) return openSealedVersion(config, secret.version);
	return openWithKeys(secret.sealed, keyEncryptionKeys(config), legacySecretContext(secret.id));
}
