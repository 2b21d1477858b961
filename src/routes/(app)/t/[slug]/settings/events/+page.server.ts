import { error } from '@sveltejs/kit';
import { EVENT_LIST, listEventTypes, pageEvents } from '$lib/server/events/queries';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

/**
 * The tenant's domain events (docs/events.md), newest first: the DataTable's search, sort and
 * paging and the type filter are all in the URL. RLS decides what is read (audit.read or
 * webhooks.manage); the permissions here only refuse the page in words.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'audit.read') && !can(permissions, 'webhooks.manage'))
		error(403, 'The event log needs the audit.read or webhooks.manage permission.');
	const params = readList(url.searchParams, EVENT_LIST);
	return withClaims(requireClaims(locals), async (trx) => {
		const types = await listEventTypes(trx);
		const known = new Set(types.map((t) => t.type));
		const type = url.searchParams.get('type') ?? '';
		return {
			types,
			type: known.has(type) ? type : '',
			typeProblem:
				type && !known.has(type) ? `There is no event type “${type}”: showing every type.` : null,
			events: await pageEvents(trx, tenant.id, params, known.has(type) ? [type] : [])
		};
	});
};
