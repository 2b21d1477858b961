import { error } from '@sveltejs/kit';
import { planFeature } from '$lib/server/billing/queries';
import { withClaims } from '$lib/server/platform/db';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { requireClaims } from '$lib/server/platform/web/actions';
import { listRoles } from '$lib/server/roles/queries';
import {
	countScimUsers,
	createScimToken,
	listScimGroups,
	listScimTokens,
	mapScimGroup,
	recentScimOperations,
	revokeScimToken,
	rotateScimToken,
	scimBaseUrl
} from '$lib/server/scim/queries';
import {
	createScimTokenSchema,
	mapScimGroupSchema,
	scimTokenIdSchema
} from '$lib/server/scim/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * SCIM provisioning (docs/scim.md): the base URL an identity provider is given, its tokens
 * (shown once), the groups it pushed with the team and role each maps to, and the log of its
 * recent requests. Everything needs scim.manage, which SQL decides (RLS and the SCIM RPCs).
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'scim.manage'))
		error(403, 'SCIM provisioning needs the scim.manage permission.');
	const config = (await ensureRuntime()).config;
	return withClaims(requireClaims(locals), async (trx) => ({
		baseUrl: scimBaseUrl(config, tenant.slug),
		plan: await planFeature(trx, tenant.id, 'scim'),
		tokens: await listScimTokens(trx, tenant.id),
		groups: await listScimGroups(trx, tenant.id),
		users: await countScimUsers(trx, tenant.id),
		operations: await recentScimOperations(trx, tenant.id),
		roles: (await listRoles(trx, tenant.id))
			.filter((r) => r.scope === 'tenant' && r.key !== 'owner')
			.map((r) => ({ id: r.id, name: r.name }))
	}));
};

export const actions: Actions = {
	create: (event) =>
		tenantAction(event, createScimTokenSchema, async (trx, tenant, { input }) => {
			const created = await createScimToken(trx, tenant.id, input.name);
			return {
				ok: `Token “${input.name}” was created. Copy it now: it is shown only once.`,
				revealed: { id: created.id, token: created.token }
			};
		}),
	rotate: (event) =>
		tenantAction(event, scimTokenIdSchema, async (trx, _tenant, { input }) => {
			const rotated = await rotateScimToken(trx, input.tokenId);
			return {
				ok: 'The token was rotated and the old one stopped. Copy the new one now: it is shown only once.',
				revealed: { id: rotated.id, token: rotated.token }
			};
		}),
	revoke: (event) =>
		tenantAction(event, scimTokenIdSchema, async (trx, _tenant, { input }) => {
			await revokeScimToken(trx, input.tokenId);
			return { ok: 'The token was revoked: its next request is refused.' };
		}),
	map: (event) =>
		tenantAction(event, mapScimGroupSchema, async (trx, _tenant, { input }) => {
			await mapScimGroup(trx, input.groupId, input.roleId);
			return {
				ok: input.roleId
					? 'The group’s members now hold that role too.'
					: 'The group maps to its team only.'
			};
		})
};
