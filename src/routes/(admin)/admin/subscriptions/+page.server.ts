import { subscriptionFilterSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import {
	listSubscriptions,
	SUBSCRIPTION_LIST,
	subscriptionCounts
} from '$lib/server/billing/console';
import { requireRole } from '$lib/server/admin/guard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'billing_admin');
	const { status } = subscriptionFilterSchema.parse({
		status: url.searchParams.get('status') ?? undefined
	});
	const params = readList(url.searchParams, SUBSCRIPTION_LIST);
	return withClaims(locals.claims, async (trx) => ({
		status,
		counts: await subscriptionCounts(trx),
		subscriptions: await listSubscriptions(trx, params, status)
	}));
};
