import { withClaims } from '$lib/server/platform/db';
import { listPlans } from '$lib/server/admin/staff';
import { requireRole } from '$lib/server/admin/guard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'billing_admin');
	return {
		plans: await withClaims(locals.claims, listPlans),
		saved: url.searchParams.get('saved')
	};
};
