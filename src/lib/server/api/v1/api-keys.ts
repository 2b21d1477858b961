/**
 * API keys (api-keys/queries.ts): list, create (the raw key in the answer, once), rotate with an
 * overlap, revoke. Who may, and what a key may hold, is the RPCs' to decide; a key cannot manage
 * keys (TN212).
 */
import { z } from 'zod';
import {
	createApiKey,
	listApiKeys,
	revokeApiKey,
	rotateApiKey,
	type ApiKeySummary
} from '../../api-keys/queries';
import { DEFAULT_RATE_LIMIT } from '../../../api-keys/options';
import { endpoint } from '../endpoint';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';

export const apiKeySchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		mode: z.enum(['live', 'test']),
		scope: z.enum(['tenant', 'project', 'environment']),
		project_name: z.string().nullable(),
		environment_name: z.string().nullable(),
		permissions: z.array(z.string()),
		prefix: z.string().meta({ description: 'The visible start of the key.' }),
		last_four: z.string(),
		rate_limit_per_minute: z.int(),
		expires_at: timestamp.nullable(),
		revoked_at: timestamp.nullable(),
		replaced_by: z.uuid().nullable(),
		last_used_at: timestamp.nullable(),
		last_used_ip: z.string().nullable(),
		created_at: timestamp
	})
	.meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeySchema
	.extend({
		key: z
			.string()
			.meta({ description: 'The key itself: shown this once, stored only as a keyed hash.' })
	})
	.meta({ id: 'ApiKeyCreated' });

function keyJson(k: ApiKeySummary): z.infer<typeof apiKeySchema> {
	return {
		id: k.id,
		name: k.name,
		mode: k.mode,
		scope: k.scope,
		project_name: k.projectName,
		environment_name: k.environmentName,
		permissions: k.permissions,
		prefix: k.prefix,
		last_four: k.lastFour,
		rate_limit_per_minute: k.rateLimitPerMinute,
		expires_at: k.expiresAt && iso(k.expiresAt),
		revoked_at: k.revokedAt && iso(k.revokedAt),
		replaced_by: k.replacedBy,
		last_used_at: k.lastUsedAt && iso(k.lastUsedAt),
		last_used_ip: k.lastUsedIp,
		created_at: iso(k.createdAt)
	};
}

async function created(trx: Transaction<DB>, tenantId: string, made: { id: string; key: string }) {
	const found = (await listApiKeys(trx, tenantId)).find((k) => k.id === made.id);
	return found ? { ...keyJson(found), key: made.key } : notFound('API key');
}

const keyParams = z.object({ key: uuid('API key') });

export const listApiKeysEndpoint = listEndpoint(
	{
		path: '/api-keys',
		operationId: 'listApiKeys',
		summary: 'API keys, newest first (api_keys.read)',
		tag: 'API keys',
		item: apiKeySchema,
		pageId: 'ApiKeyPage'
	},
	async ({ trx, tenant }) => (await listApiKeys(trx, tenant.id)).map(keyJson),
	(k) => k.id
);

export const createApiKeyEndpoint = endpoint(
	{
		method: 'POST',
		path: '/api-keys',
		operationId: 'createApiKey',
		summary: 'Create an API key (api_keys.manage; never more than you hold)',
		tag: 'API keys',
		body: z
			.object({
				name: z.string().trim().min(1).max(80),
				mode: z.enum(['live', 'test']).default('live'),
				permissions: z.array(z.string()).min(1),
				project_id: uuid('project').nullable().default(null),
				environment_id: uuid('environment').nullable().default(null),
				expires_at: z.iso.datetime({ offset: true }).nullable().default(null),
				rate_limit_per_minute: z.int().min(1).max(100000).default(DEFAULT_RATE_LIMIT)
			})
			.strict()
			.meta({ id: 'ApiKeyCreate' }),
		response: createdApiKeySchema,
		status: 201
	},
	async ({ trx, tenant, body }) =>
		created(
			trx,
			tenant.id,
			await createApiKey(trx, tenant.id, {
				name: body.name,
				mode: body.mode,
				permissions: body.permissions,
				projectId: body.project_id,
				environmentId: body.environment_id,
				expiresAt: body.expires_at === null ? null : new Date(body.expires_at),
				rateLimit: body.rate_limit_per_minute
			})
		)
);

export const rotateApiKeyEndpoint = endpoint(
	{
		method: 'POST',
		path: '/api-keys/{key}/rotate',
		operationId: 'rotateApiKey',
		summary:
			'Rotate an API key: a new key now, the old one working for the overlap (api_keys.manage)',
		tag: 'API keys',
		params: keyParams,
		body: z
			.object({ overlap_seconds: z.int().min(0).max(604800).default(3600) })
			.strict()
			.meta({ id: 'ApiKeyRotate' }),
		response: createdApiKeySchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) =>
		created(trx, tenant.id, await rotateApiKey(trx, params.key, body.overlap_seconds))
);

export const revokeApiKeyEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/api-keys/{key}',
		operationId: 'revokeApiKey',
		summary: 'Revoke an API key, effective on its next request (api_keys.manage)',
		tag: 'API keys',
		params: keyParams
	},
	async ({ trx, params }) => {
		await revokeApiKey(trx, params.key);
	}
);
