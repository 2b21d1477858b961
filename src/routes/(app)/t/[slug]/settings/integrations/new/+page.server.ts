import { error } from '@sveltejs/kit';
import { refused } from '$lib/server/platform/web/actions';
import { connectIntegration, integrationsConfig } from '$lib/server/integrations/service';
import { connectSchema, withoutSecrets } from '$lib/server/integrations/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { isIntegrationType } from '$lib/integrations/types';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Connect an integration of one type (?type=): its settings and secrets, then the connection test
 * at once. A secret Tenantry makes (a GitHub webhook secret, a Standard Webhooks secret) is shown
 * once here, to copy into the provider. integrations.manage; SQL decides.
 */
export const load: PageServerLoad = async ({ parent, url }) => {
	const { permissions } = await parent();
	if (!can(permissions, 'integrations.manage'))
		error(403, 'Connecting an integration needs the integrations.manage permission.');
	const type = url.searchParams.get('type') ?? '';
	if (!isIntegrationType(type)) error(404, 'No such integration type.');
	return { type, crumb: 'Connect' };
};

export const actions: Actions = {
	connect: async (event) => {
		const config = await integrationsConfig();
		const result = await tenantAction(event, connectSchema, async (trx, tenant, { input }) => {
			const connected = await connectIntegration(trx, config, { tenantId: tenant.id, ...input });
			return {
				ok: connected.test.ok
					? `${connected.integration.name} is connected.`
					: `${connected.integration.name} was saved, but its connection test failed.`,
				created: connected.integration.id,
				checks: connected.test.checks,
				generated: connected.generated
			};
		});
		return refused(result) ? withoutSecrets(result) : result;
	}
};
