import { withClaims } from '$lib/server/platform/db';
import { getRevenue } from '$lib/server/billing/console';
import { requireRole } from '$lib/server/admin/guard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	requireRole((await parent()).holds, 'billing_admin');
	return { revenue: await withClaims(locals.claims, getRevenue) };
};
