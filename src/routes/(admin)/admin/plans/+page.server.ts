import { withClaims } from '$lib/server/platform/db';
import { listAllPlans } from '$lib/server/billing/console';
import { requireRole } from '$lib/server/admin/guard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'billing_admin');
	return {
		plans: await withClaims(locals.claims, listAllPlans),
		saved: url.searchParams.get('saved')
	};
};
