import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { dashboardData, getDashboard, HOME } from '$lib/server/bi/queries';
import { getTenantHome } from '$lib/server/tenancy/tenants';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

/**
 * The organisation's home: the setup checklist (from the tenant's counts) and the home dashboard
 * (dashboards.read, while active; docs/bi.md). The dashboard's widgets hold the figures, usage
 * against the plan (usage.read), billing and the next invoice (billing.read), recent activity
 * (audit.read), the latest projects and announcements; each is asked only of people who may read
 * it.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!locals.claims) error(401, 'Sign in first.');
	return withClaims(locals.claims, async (trx) => {
		const home = await getTenantHome(trx, tenant.id);
		const found =
			tenant.status === 'active' && can(permissions, 'dashboards.read')
				? await getDashboard(trx, tenant.id, HOME)
				: null;
		const dashboard = found && {
			...found,
			data: await dashboardData(trx, found.widgets, {
				tenantId: tenant.id,
				viewer: locals.claims!.sub,
				range: found.dashboard.timeRange,
				permissions
			})
		};
		return { home, dashboard };
	});
};
