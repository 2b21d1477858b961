import { subscriptionFilterSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listSubscriptions, subscriptionCounts } from '$lib/server/billing/console';
import { requireRole } from '$lib/server/admin/guard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'billing_admin');
	const filter = subscriptionFilterSchema.parse(Object.fromEntries(url.searchParams));
	return withClaims(locals.claims, async (trx) => ({
		filter,
		counts: await subscriptionCounts(trx),
		...(await listSubscriptions(trx, filter))
	}));
};
