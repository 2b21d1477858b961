import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { getTenantDashboard } from '$lib/server/tenancy/tenants';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant } = await parent();
	if (!locals.claims) error(401, 'Sign in first.');
	return {
		dashboard: await withClaims(locals.claims, (trx) => getTenantDashboard(trx, tenant.id))
	};
};
