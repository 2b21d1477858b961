/**
 * Envelope encryption of secret versions (docs/secrets.md): each version gets a fresh 256-bit
 * data key that seals its value (bound to tenant, secret and version id); the data key is stored
 * wrapped by the key-encryption key (SECRETS_ENCRYPTION_KEY, bound to tenant, secret and the data
 * key's id). The key-encryption keys are the current one and, during a rotation,
 * SECRETS_ENCRYPTION_KEY_PREVIOUS; a wrapped key names which one wrapped it. The primitives are
 * supabase/functions/_shared/secret-box.ts, which the edge functions use as they are.
 */
import { randomUUID } from 'node:crypto';
import {
	dataKeyContext,
	decodeKey,
	generateDataKey,
	openVersion,
	sealValue,
	secretValueContext,
	wrapDataKey,
	type SealedVersion
} from '../../../../supabase/functions/_shared/secret-box';
import type { Config } from '../platform/config';
import { secretsKey } from '../platform/secrets';

export type SecretsConfig = Pick<
	Config,
	'SECRETS_ENCRYPTION_KEY' | 'AUTH_JWT_SECRET' | 'DATA_DIR' | 'NODE_ENV'
> &
	Partial<Pick<Config, 'SECRETS_ENCRYPTION_KEY_PREVIOUS'>>;

export type { SealedVersion };

/** The key-encryption keys that may open a wrapped data key: the current one first. */
export function keyEncryptionKeys(config: SecretsConfig): Uint8Array<ArrayBuffer>[] {
	const keys = [secretsKey(config)];
	if (config.SECRETS_ENCRYPTION_KEY_PREVIOUS)
		keys.push(decodeKey(config.SECRETS_ENCRYPTION_KEY_PREVIOUS));
	return keys;
}

/** A new version's sealed material: what create_secret and add_secret_version store. */
export interface NewSealedVersion {
	versionId: string;
	dataKeyId: string;
	wrappedKey: string;
	ciphertext: string;
}

/**
 * Seals `value` as a new version of secret `secretId` of `tenantId`, under a new data key; the
 * version's id is new unless given (a webhook signing secret moved onto the store keeps its id).
 */
export async function sealVersion(
	config: SecretsConfig,
	ids: { tenantId: string; secretId: string },
	value: string,
	versionId: string = randomUUID()
): Promise<NewSealedVersion> {
	const dataKeyId = randomUUID();
	const dataKey = generateDataKey();
	const [wrappedKey, ciphertext] = await Promise.all([
		wrapDataKey(dataKey, secretsKey(config), dataKeyContext(ids.tenantId, ids.secretId, dataKeyId)),
		sealValue(value, dataKey, secretValueContext(ids.tenantId, ids.secretId, versionId))
	]);
	dataKey.fill(0);
	return { versionId, dataKeyId, wrappedKey, ciphertext };
}

/** Opens a version the reveal or use RPC returned; throws a sentence when it does not open. */
export function openSealedVersion(config: SecretsConfig, sealed: SealedVersion): Promise<string> {
	return openVersion(sealed, keyEncryptionKeys(config));
}
