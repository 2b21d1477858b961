import { error, redirect } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import { createDashboard, listDashboards } from '$lib/server/bi/queries';
import { createDashboardSchema } from '$lib/server/bi/schemas';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'dashboards.read'))
		error(403, 'You do not have permission to see dashboards.');
	return {
		dashboards: await withClaims(requireClaims(locals), (trx) => listDashboards(trx, tenant.id))
	};
};

export const actions: Actions = {
	create: async (event) => {
		const result = await tenantAction(
			event,
			createDashboardSchema,
			async (trx, tenant, { input, values }) => {
				if (!can(await myPermissions(trx, tenant.id), 'dashboards.manage')) {
					return formError(403, DB_ERROR_MESSAGES.TN002!.message, values);
				}
				return { id: await createDashboard(trx, tenant.id, input) };
			}
		);
		if (refused(result)) return result;
		redirect(303, `/t/${event.params.slug}/dashboards/${result.id}?edit=1`);
	}
};
