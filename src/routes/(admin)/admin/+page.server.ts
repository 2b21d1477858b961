import { withClaims } from '$lib/server/platform/db';
import { getOverview } from '$lib/server/admin/staff';
import { platformMetrics } from '$lib/server/bi/platform';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	await parent();
	return withClaims(locals.claims, async (trx) => ({
		overview: await getOverview(trx),
		metrics: await platformMetrics(trx, 90)
	}));
};
