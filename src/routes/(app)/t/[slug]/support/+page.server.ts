import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { requireClaims } from '$lib/server/platform/web/actions';
import { TICKET_LIST, pageTenantTickets } from '$lib/server/support/queries';
import { readFilters } from '$lib/server/support/schemas';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

/**
 * The organisation's support tickets (docs/support.md), for holders of tickets.read: searched
 * (full text over subjects and replies), filtered by status and priority, sorted and paged in the
 * URL. SQL decides what is listed (RLS).
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tickets.read'))
		error(403, 'Support tickets need the tickets.read permission.');
	const params = readList(url.searchParams, TICKET_LIST);
	const filters = readFilters(url.searchParams, false);
	return withClaims(requireClaims(locals), async (trx) => ({
		tickets: await pageTenantTickets(trx, tenant.id, params, filters),
		filters: { status: filters.status ?? '', priority: filters.priority ?? '' },
		mayOpen: can(permissions, 'tickets.manage')
	}));
};
