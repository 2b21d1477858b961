import { requireRole } from '$lib/server/admin/guard';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { GDPR_REQUEST_LIST, pageConsoleRequests } from '$lib/server/privacy/console';
import type { PageServerLoad } from './$types';

/**
 * Every privacy request across tenants and the platform's own, for support staff: kind, state,
 * the legal deadline (overdue ones marked), soonest due first — never the person or their words
 * (docs/privacy.md).
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'support');
	const params = readList(url.searchParams, GDPR_REQUEST_LIST);
	return withClaims(locals.claims, async (trx) => ({
		requests: await pageConsoleRequests(trx, params)
	}));
};
