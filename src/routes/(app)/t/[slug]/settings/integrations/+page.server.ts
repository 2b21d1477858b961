import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { requireClaims } from '$lib/server/platform/web/actions';
import { INTEGRATION_LIST, pageIntegrations } from '$lib/server/integrations/queries';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

/**
 * Integrations (docs/integrations.md): the connected ones with their status, and the types one may
 * connect. integrations.read to see the page, integrations.manage to connect; SQL decides.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'integrations.read'))
		error(403, 'Integrations need the integrations.read permission.');
	const params = readList(url.searchParams, INTEGRATION_LIST);
	return withClaims(requireClaims(locals), async (trx) => ({
		integrations: await pageIntegrations(trx, tenant.id, params),
		canManage: can(permissions, 'integrations.manage')
	}));
};
