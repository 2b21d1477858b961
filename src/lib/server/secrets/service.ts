/**
 * The secrets contract every module uses (docs/secrets.md): create a secret, add a version, reveal
 * a value to a person holding secrets.reveal, use a value from server code. Each runs in the
 * caller's transaction under the caller's claims, so SQL decides whether they may (and records the
 * reveal or the use); values are checked against their format (format.ts), sealed here under a new
 * data key (envelope.ts) and reach SQL only sealed.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { SecretFormat, SecretOwnerType } from '../../secrets/options';
import { openSealedVersion, sealVersion, type SecretsConfig } from './envelope';
import { SecretFormatError, secretMetadata } from './format';
import {
	insertSecret,
	insertVersion,
	secretFormat,
	sealedForReveal,
	sealedForUse
} from './queries';

export type { SecretFormat, SecretsConfig };
export { SecretFormatError };

export type SecretOwner = { type: SecretOwnerType; id: string };

/** The refusal a secret the caller may not see gets (as SQL's TN310 does, whether or not it exists). */
export class SecretNotFoundError extends Error {
	readonly code = 'TN310';
	constructor() {
		super('No such secret, or you may not see it.');
	}
}

export interface NewSecret {
	tenantId: string;
	name: string;
	format: SecretFormat;
	value: string;
	projectId?: string | null;
	description?: string;
	owner?: SecretOwner;
}

/** A new secret (version 1), written under the caller's claims: SQL decides whether they may. */
export async function createSecret(
	trx: Transaction<DB>,
	config: SecretsConfig,
	input: NewSecret
): Promise<{ secretId: string; versionId: string; version: number }> {
	const metadata = secretMetadata(input.format, input.value);
	const secretId = randomUUID();
	const sealed = await sealVersion(config, { tenantId: input.tenantId, secretId }, input.value);
	return insertSecret(
		trx,
		{
			tenantId: input.tenantId,
			projectId: input.projectId ?? null,
			name: input.name,
			format: input.format,
			description: input.description ?? '',
			owner: input.owner ?? null,
			secretId,
			metadata
		},
		sealed
	);
}

/**
 * A new current version; old ones are kept. The value is checked against the secret's format
 * (read as the caller sees it; `format` skips the read for a caller that knows it, a system job).
 */
export async function addSecretVersion(
	trx: Transaction<DB>,
	config: SecretsConfig,
	input: { tenantId: string; secretId: string; value: string; format?: SecretFormat }
): Promise<{ versionId: string; version: number }> {
	const format = input.format ?? (await secretFormat(trx, input.tenantId, input.secretId));
	if (!format) throw new SecretNotFoundError();
	const metadata = secretMetadata(format, input.value);
	const sealed = await sealVersion(
		config,
		{ tenantId: input.tenantId, secretId: input.secretId },
		input.value
	);
	return insertVersion(trx, input.secretId, sealed, metadata);
}

function inTenant<T extends { tenant_id: string }>(sealed: T, tenantId: string): T {
	if (sealed.tenant_id !== tenantId) throw new SecretNotFoundError();
	return sealed;
}

/** Plaintext for a person holding secrets.reveal (audited as a reveal). */
export async function revealSecret(
	trx: Transaction<DB>,
	config: SecretsConfig,
	input: { tenantId: string; secretId: string; version?: number }
): Promise<string> {
	const sealed = await sealedForReveal(trx, input.secretId, input.version ?? null);
	return openSealedVersion(config, inTenant(sealed, input.tenantId));
}

/**
 * Plaintext for server code acting for a caller allowed to USE the secret (the owner module's
 * permission, or a system job); audited as a use, not a reveal.
 */
export async function useSecret(
	trx: Transaction<DB>,
	config: SecretsConfig,
	input: { tenantId: string; secretId: string }
): Promise<string> {
	const sealed = await sealedForUse(trx, input.secretId);
	return openSealedVersion(config, inTenant(sealed, input.tenantId));
}
