import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { billingOverview } from '$lib/server/billing/queries';
import { usageSummary } from '$lib/server/usage/queries';
import { dashboardData, getDashboard, HOME } from '$lib/server/bi/queries';
import { getTenantHome } from '$lib/server/tenancy/tenants';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

/**
 * The organisation's home: its figures, usage against the plan's limits (usage.read, while
 * active), billing status and the next invoice (billing.read), recent activity (audit.read) and
 * the setup checklist, and the home dashboard's widgets (dashboards.read, docs/bi.md). Each part is one query, asked only of people who may read it (the SQL
 * functions refuse the others).
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!locals.claims) error(401, 'Sign in first.');
	return withClaims(locals.claims, async (trx) => {
		const home = await getTenantHome(trx, tenant.id);
		const usage =
			tenant.status === 'active' && can(permissions, 'usage.read')
				? await usageSummary(trx, tenant.id)
				: null;
		const billing = can(permissions, 'billing.read')
			? (await billingOverview(trx, tenant.id)).subscription
			: null;
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
		return {
			home,
			usage,
			subscription: billing,
			canBilling: can(permissions, 'billing.read'),
			dashboard
		};
	});
};
