/**
 * SCIM provisioning's configuration under /api/v1 (docs/scim.md, decision 0018): the tenant's SCIM
 * bearer tokens (listed without their secret; the secret answered once, on create and rotate),
 * revocation, and the log of recent SCIM requests. Through scim/queries.ts and the SCIM RPCs, which
 * decide (scim.manage; the plan's `scim` feature, TN585 → 403). scim.manage is a person's
 * permission: an API key is refused at once (TN212). A token of another tenant is a 404, checked
 * in this tenant before an RPC runs (the RPCs take a bare token id).
 */
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import {
	createScimToken,
	listScimTokens,
	revokeScimToken,
	rotateScimToken,
	scimBaseUrl,
	type ScimTokenSummary
} from '../../scim/queries';
import { endpoint } from '../endpoint';
import { badCursor, decodeCursor, encodeCursor, pageOf, pageQuery } from '../paging';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';
import { requirePerson } from './sso';

const TAG = 'SCIM';

export const scimTokenSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		prefix: z.string().meta({ description: 'The visible start of the token.' }),
		base_url: z.string().meta({ description: 'The SCIM base URL the identity provider is given.' }),
		created_at: timestamp,
		last_used_at: timestamp.nullable(),
		revoked_at: timestamp.nullable()
	})
	.meta({ id: 'ScimToken' });

export const createdScimTokenSchema = scimTokenSchema
	.extend({
		token: z
			.string()
			.meta({ description: 'The bearer token itself: shown this once, stored only as its sha256.' })
	})
	.meta({ id: 'ScimTokenCreated' });

function tokenJson(t: ScimTokenSummary, baseUrl: string): z.infer<typeof scimTokenSchema> {
	return {
		id: t.id,
		name: t.name,
		prefix: t.prefix,
		base_url: baseUrl,
		created_at: iso(t.createdAt),
		last_used_at: t.lastUsedAt && iso(t.lastUsedAt),
		revoked_at: t.revokedAt && iso(t.revokedAt)
	};
}

async function baseUrlOf(slug: string): Promise<string> {
	return scimBaseUrl((await ensureRuntime()).config, slug);
}

/** The token of this tenant the caller may see (RLS: scim.manage), or a 404. */
async function tokenOf(trx: Transaction<DB>, tenantId: string, id: string) {
	const row = await trx
		.selectFrom('scim_tokens')
		.select(['id', 'revoked_at'])
		.where('tenant_id', '=', tenantId)
		.where('id', '=', id)
		.executeTakeFirst();
	return row ?? notFound('SCIM token');
}

async function created(
	trx: Transaction<DB>,
	tenant: { id: string; slug: string },
	made: { id: string; token: string }
) {
	const found = (await listScimTokens(trx, tenant.id)).find((t) => t.id === made.id);
	if (!found) notFound('SCIM token');
	return { ...tokenJson(found, await baseUrlOf(tenant.slug)), token: made.token };
}

const tokenParams = z.object({ token: uuid('SCIM token') });

export const listScimTokensEndpoint = listEndpoint(
	{
		path: '/scim/tokens',
		operationId: 'listScimTokens',
		summary: 'SCIM bearer tokens, never their secret (scim.manage, a person)',
		tag: TAG,
		item: scimTokenSchema,
		pageId: 'ScimTokenPage'
	},
	async ({ trx, tenant, principal }) => {
		await requirePerson(trx, tenant.id, principal, 'scim.manage');
		const base = await baseUrlOf(tenant.slug);
		return (await listScimTokens(trx, tenant.id)).map((t) => tokenJson(t, base));
	},
	(t) => t.id
);

export const createScimTokenEndpoint = endpoint(
	{
		method: 'POST',
		path: '/scim/tokens',
		operationId: 'createScimToken',
		summary:
			'Make a SCIM bearer token, answered once (scim.manage, a person; the plan’s scim feature)',
		tag: TAG,
		body: z
			.object({
				name: z
					.string()
					.trim()
					.min(1, { error: 'Name the token (which identity provider uses it).' })
					.max(80, { error: 'Name the token in 1–80 characters.' })
			})
			.strict()
			.meta({ id: 'ScimTokenCreate' }),
		response: createdScimTokenSchema,
		status: 201
	},
	async ({ trx, tenant, principal, body }) => {
		await requirePerson(trx, tenant.id, principal, 'scim.manage');
		return created(trx, tenant, await createScimToken(trx, tenant.id, body.name));
	}
);

export const rotateScimTokenEndpoint = endpoint(
	{
		method: 'POST',
		path: '/scim/tokens/{token}/rotate',
		operationId: 'rotateScimToken',
		summary:
			'Replace an active SCIM token by a new one of the same name (answered once); the old one stops at once (scim.manage, a person)',
		tag: TAG,
		params: tokenParams,
		response: createdScimTokenSchema,
		status: 201
	},
	async ({ trx, tenant, principal, params }) => {
		await requirePerson(trx, tenant.id, principal, 'scim.manage');
		const token = await tokenOf(trx, tenant.id, params.token);
		return created(trx, tenant, await rotateScimToken(trx, token.id));
	}
);

export const revokeScimTokenEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/scim/tokens/{token}',
		operationId: 'revokeScimToken',
		summary: 'Revoke a SCIM token: its next request is refused (scim.manage, a person)',
		tag: TAG,
		params: tokenParams
	},
	async ({ trx, tenant, principal, params }) => {
		await requirePerson(trx, tenant.id, principal, 'scim.manage');
		const token = await tokenOf(trx, tenant.id, params.token);
		await revokeScimToken(trx, token.id);
	}
);

export const scimOperationSchema = z
	.object({
		id: z.string().meta({ description: 'The log entry’s number.' }),
		method: z.string(),
		path: z.string(),
		status: z.int(),
		resource_type: z.enum(['User', 'Group']).nullable(),
		resource_id: z.string().nullable(),
		detail: z.string().nullable(),
		token_id: z.uuid().nullable(),
		token_name: z.string().nullable(),
		created_at: timestamp
	})
	.meta({ id: 'ScimOperation' });

export const listScimOperationsEndpoint = endpoint(
	{
		method: 'GET',
		path: '/scim/operations',
		operationId: 'listScimOperations',
		summary:
			'The log of recent SCIM requests (30 days), newest first; `failed=true` only refusals (scim.manage, a person)',
		tag: TAG,
		query: pageQuery.extend({
			failed: z
				.enum(['true', 'false'], { error: 'Use failed=true or failed=false.' })
				.optional()
				.meta({ description: 'true: only the requests answered 400 or more.' })
		}),
		response: pageOf(scimOperationSchema, 'ScimOperationPage')
	},
	async ({ trx, tenant, principal, query }) => {
		await requirePerson(trx, tenant.id, principal, 'scim.manage');
		const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
		if (after !== null && !/^\d{1,19}$/.test(after)) badCursor();
		let q = trx
			.selectFrom('scim_operations as o')
			.leftJoin('scim_tokens as k', (j) =>
				j.onRef('k.id', '=', 'o.token_id').onRef('k.tenant_id', '=', 'o.tenant_id')
			)
			.select([
				sql<string>`o.id::text`.as('id'),
				'o.method',
				'o.path',
				'o.status',
				'o.resource_type',
				'o.resource_id',
				'o.detail',
				'o.token_id',
				'k.name as token_name',
				'o.created_at'
			])
			.where('o.tenant_id', '=', tenant.id);
		if (after !== null) q = q.where(sql<boolean>`o.id < ${after}::bigint`);
		if (query.failed === 'true') q = q.where('o.status', '>=', 400);
		if (query.failed === 'false') q = q.where('o.status', '<', 400);
		const rows = await q
			.orderBy('o.id', 'desc')
			.limit(query.limit + 1)
			.execute();
		const data = rows.slice(0, query.limit).map((r) => ({
			...r,
			resource_type: r.resource_type as 'User' | 'Group' | null,
			created_at: iso(r.created_at)
		}));
		return {
			data,
			next_cursor: rows.length > query.limit ? encodeCursor(data[data.length - 1]!.id) : null
		};
	}
);
