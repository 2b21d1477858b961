/**
 * Secrets (secrets/service.ts, docs/secrets.md): list and read metadata (secrets.read, or the owner
 * module's permission for an owned secret), create and add versions (secrets.manage), reveal a
 * value (secrets.reveal only; every reveal is audited), delete. Values are never listed. SQL
 * decides; another tenant's ids are a 404.
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import {
	deleteSecret,
	findSecret,
	listSecrets,
	listVersions,
	type SecretSummary,
	type SecretVersionRow
} from '../../secrets/queries';
import {
	addSecretVersion,
	createSecret,
	revealSecret,
	SecretFormatError
} from '../../secrets/service';
import {
	MAX_SECRET_DESCRIPTION,
	MAX_SECRET_NAME,
	SECRET_FORMATS,
	SECRET_NAME,
	SECRET_OWNER_TYPES
} from '../../../secrets/options';
import { endpoint } from '../endpoint';
import { ApiProblem } from '../problem';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Secrets';

const metadataSchema = z.record(z.string(), z.string()).meta({
	description:
		'What was read from the value when it was written (never the value): a JWT’s algorithm, issuer, subject and ' +
		'expiry; a certificate’s subject, issuer, validity and fingerprint; a key’s type; a JSON value’s type.'
});

export const secretSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		format: z.enum(SECRET_FORMATS),
		description: z.string(),
		project_id: z.uuid().nullable(),
		owner: z
			.object({ type: z.enum(SECRET_OWNER_TYPES), id: z.uuid() })
			.nullable()
			.meta({ description: 'The module row it belongs to; null for a secret of its own.' }),
		version: z.int().meta({ description: 'The current version’s number (from 1).' }),
		metadata: metadataSchema,
		expires_at: timestamp.nullable().meta({
			description: 'The current version’s expiry (a JWT’s exp, a certificate’s notAfter).'
		}),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'Secret' });

const versionSchema = z
	.object({
		id: z.uuid(),
		version: z.int(),
		metadata: metadataSchema,
		expires_at: timestamp.nullable(),
		created_at: timestamp
	})
	.meta({ id: 'SecretVersion' });

export const secretDetailSchema = secretSchema
	.extend({
		versions: z.array(versionSchema).meta({ description: 'Every version, newest first.' })
	})
	.meta({ id: 'SecretDetail' });

function secretJson(s: SecretSummary): z.infer<typeof secretSchema> {
	return {
		id: s.id,
		name: s.name,
		format: s.format,
		description: s.description,
		project_id: s.projectId,
		owner: s.ownerType && s.ownerId ? { type: s.ownerType, id: s.ownerId } : null,
		version: s.version,
		metadata: s.metadata as Record<string, string>,
		expires_at: s.expiresAt ? iso(s.expiresAt) : null,
		created_at: iso(s.createdAt),
		updated_at: iso(s.updatedAt)
	};
}

function versionJson(v: SecretVersionRow): z.infer<typeof versionSchema> {
	return {
		id: v.id,
		version: v.version,
		metadata: v.metadata as Record<string, string>,
		expires_at: v.expiresAt ? iso(v.expiresAt) : null,
		created_at: iso(v.createdAt)
	};
}

async function visibleSecret(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findSecret(trx, tenantId, id)) ?? notFound('secret');
}

/** A value that is not what its format says, as a TN220 about body.value. */
async function checkedValue<T>(write: () => Promise<T>): Promise<T> {
	try {
		return await write();
	} catch (error) {
		if (!(error instanceof SecretFormatError)) throw error;
		throw new ApiProblem('TN220', `body.value: ${error.message}`, {
			errors: [{ field: 'body.value', message: error.message }]
		});
	}
}

const secretParams = z.object({ secret: uuid('secret') });
const value = z.string().min(1).meta({
	description:
		'The value, checked against the format (at most 64 KB); never returned but by a reveal.'
});

export const listSecretsEndpoint = listEndpoint(
	{
		path: '/secrets',
		operationId: 'listSecrets',
		summary: 'Secrets, by name: metadata only (secrets.read)',
		tag: TAG,
		item: secretSchema,
		pageId: 'SecretPage'
	},
	async ({ trx, tenant }) => (await listSecrets(trx, tenant.id)).map(secretJson),
	(s) => s.id
);

export const createSecretEndpoint = endpoint(
	{
		method: 'POST',
		path: '/secrets',
		operationId: 'createSecret',
		summary: 'Create a secret with its first version (secrets.manage)',
		tag: TAG,
		body: z
			.object({
				name: z.string().trim().min(1).max(MAX_SECRET_NAME).regex(SECRET_NAME).meta({
					description:
						'Letters, digits, _ . -, not starting with . or - (unique in the organisation or project).'
				}),
				format: z.enum(SECRET_FORMATS).default('opaque'),
				value,
				description: z.string().trim().max(MAX_SECRET_DESCRIPTION).default(''),
				project_id: z.uuid().nullable().default(null)
			})
			.strict()
			.meta({ id: 'SecretCreate' }),
		response: secretSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const config = (await ensureRuntime()).config;
		const { secretId } = await checkedValue(() =>
			createSecret(trx, config, {
				tenantId: tenant.id,
				name: body.name,
				format: body.format,
				value: body.value,
				description: body.description,
				projectId: body.project_id
			})
		);
		return secretJson(await visibleSecret(trx, tenant.id, secretId));
	}
);

export const getSecretEndpoint = endpoint(
	{
		method: 'GET',
		path: '/secrets/{secret}',
		operationId: 'getSecret',
		summary: 'A secret’s metadata and its versions, never a value (secrets.read)',
		tag: TAG,
		params: secretParams,
		response: secretDetailSchema
	},
	async ({ trx, tenant, params }) => {
		const secret = await visibleSecret(trx, tenant.id, params.secret);
		return {
			...secretJson(secret),
			versions: (await listVersions(trx, tenant.id, secret.id)).map(versionJson)
		};
	}
);

export const addSecretVersionEndpoint = endpoint(
	{
		method: 'POST',
		path: '/secrets/{secret}/versions',
		operationId: 'addSecretVersion',
		summary: 'A new current version; the old ones are kept (secrets.manage)',
		tag: TAG,
		params: secretParams,
		body: z.object({ value }).strict().meta({ id: 'SecretVersionCreate' }),
		response: secretSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		const secret = await visibleSecret(trx, tenant.id, params.secret);
		const config = (await ensureRuntime()).config;
		await checkedValue(() =>
			addSecretVersion(trx, config, {
				tenantId: tenant.id,
				secretId: secret.id,
				format: secret.format,
				value: body.value
			})
		);
		return secretJson(await visibleSecret(trx, tenant.id, secret.id));
	}
);

export const revealSecretEndpoint = endpoint(
	{
		method: 'GET',
		path: '/secrets/{secret}/value',
		operationId: 'revealSecret',
		summary:
			'A secret’s value, the current version or another (secrets.reveal; every reveal is audited)',
		tag: TAG,
		params: secretParams,
		query: z
			.object({ version: z.coerce.number().int().min(1).optional() })
			.meta({ id: 'SecretRevealQuery' }),
		response: z.object({ version: z.int(), value: z.string() }).meta({ id: 'SecretValue' })
	},
	async ({ trx, tenant, params, query }) => {
		const secret = await visibleSecret(trx, tenant.id, params.secret);
		const config = (await ensureRuntime()).config;
		const value = await revealSecret(trx, config, {
			tenantId: tenant.id,
			secretId: secret.id,
			version: query.version
		});
		return { version: query.version ?? secret.version, value };
	}
);

export const deleteSecretEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/secrets/{secret}',
		operationId: 'deleteSecret',
		summary: 'Delete a secret with every version (secrets.manage)',
		tag: TAG,
		params: secretParams
	},
	async ({ trx, tenant, params }) => {
		await deleteSecret(trx, (await visibleSecret(trx, tenant.id, params.secret)).id);
	}
);
