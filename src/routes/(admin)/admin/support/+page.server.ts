import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { requireRole } from '$lib/server/admin/guard';
import {
	TICKET_LIST,
	listSupportStaff,
	listTicketTenants,
	pageQueue
} from '$lib/server/support/queries';
import { readFilters } from '$lib/server/support/schemas';
import type { PageServerLoad } from './$types';

/**
 * The support queue (docs/support.md), for support staff: every organisation's tickets, filtered
 * by status (unresolved by default), priority, assignee, organisation and SLA breach.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'support');
	const params = readList(url.searchParams, TICKET_LIST);
	const filters = readFilters(url.searchParams, true);
	if (!url.searchParams.has('status')) filters.status = 'active';
	return withClaims(locals.claims, async (trx) => ({
		tickets: await pageQueue(trx, params, filters),
		staff: await listSupportStaff(trx),
		tenants: await listTicketTenants(trx),
		filters: {
			status: url.searchParams.has('status') ? (filters.status ?? '') : 'active',
			priority: filters.priority ?? '',
			assignee: filters.assignee ?? '',
			tenant: filters.tenant ?? '',
			sla: filters.breached ? 'breached' : ''
		}
	}));
};
