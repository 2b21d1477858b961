import { error } from '@sveltejs/kit';
import {
	createApiKey,
	grantablePermissions,
	listApiKeys,
	listKeyScopes,
	revokeApiKey,
	rotateApiKey
} from '$lib/server/api-keys/queries';
import {
	apiKeyIdSchema,
	createApiKeySchema,
	rotateApiKeySchema
} from '$lib/server/api-keys/schemas';
import { withClaims } from '$lib/server/platform/db';
import { tenantAction } from '$lib/server/tenancy/actions';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * API keys (docs/api-keys.md). Listing needs api_keys.read; creating, rotating and revoking need
 * api_keys.manage — SQL decides both (RLS and the key RPCs), the permissions here only choose what
 * the page shows. A new key's value is in the action's answer once and nowhere else.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'api_keys.read') && !can(permissions, 'api_keys.manage'))
		error(403, 'API keys need the api_keys.read permission.');
	return withClaims(requireClaims(locals), async (trx) => ({
		keys: await listApiKeys(trx, tenant.id),
		grantable: await grantablePermissions(trx, tenant.id),
		scopes: await listKeyScopes(trx, tenant.id),
		canManage: can(permissions, 'api_keys.manage')
	}));
};

export const actions: Actions = {
	create: (event) =>
		tenantAction(event, createApiKeySchema, async (trx, tenant, { input }) => {
			const created = await createApiKey(trx, tenant.id, input);
			return {
				ok: `Key “${input.name}” was created. Copy it now: it is shown only once.`,
				revealed: { id: created.id, name: input.name, key: created.key }
			};
		}),
	revoke: (event) =>
		tenantAction(event, apiKeyIdSchema, async (trx, _tenant, { input }) => {
			await revokeApiKey(trx, input.keyId);
			return { ok: 'The key was revoked: its next request is refused.' };
		}),
	rotate: (event) =>
		tenantAction(event, rotateApiKeySchema, async (trx, _tenant, { input }) => {
			const rotated = await rotateApiKey(trx, input.keyId, Number(input.overlap));
			return {
				ok:
					input.overlap === '0'
						? 'The key was rotated and the old one stopped. Copy the new one now: it is shown only once.'
						: 'The key was rotated; the old one keeps working for the overlap. Copy the new one now: it is shown only once.',
				revealed: { id: rotated.id, name: 'Rotated key', key: rotated.key }
			};
		})
};
