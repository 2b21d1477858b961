import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { alertChoices, createAlert, pageAlerts, ALERT_LIST } from '$lib/server/bi/alerts/queries';
import { alertFormSchema } from '$lib/server/bi/alerts/schemas';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Alerts (docs/bi-alerts.md): the list (dashboards.read) and the create form (alerts.manage).
 * SQL decides (RLS, the alert triggers' TN535–TN541); the permissions here choose what the page shows.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'dashboards.read'))
		error(403, 'Alerts need the dashboards.read permission.');
	const params = readList(url.searchParams, ALERT_LIST);
	return withClaims(requireClaims(locals), async (trx) => ({
		alerts: await pageAlerts(trx, tenant.id, params),
		choices: await alertChoices(trx, tenant.id),
		canManage: can(permissions, 'alerts.manage')
	}));
};

export const actions: Actions = {
	create: async (event) => {
		const result = await tenantAction(event, alertFormSchema, async (trx, tenant, { input }) => ({
			id: await createAlert(trx, tenant.id, input),
			slug: tenant.slug
		}));
		if (refused(result)) return result;
		redirect(
			303,
			`${resolve('/(app)/t/[slug]/alerts/[alert]', { slug: result.slug, alert: result.id })}?created=1`
		);
	}
};
