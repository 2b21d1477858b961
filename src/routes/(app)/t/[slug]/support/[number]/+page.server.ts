import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import {
	findTicketByNumber,
	listMessages,
	replyToTicket,
	setTicketStatus
} from '$lib/server/support/queries';
import { replySchema, tenantStatusSchema } from '$lib/server/support/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

const NO_TICKET = 'No such ticket, or you may not act on it (tickets.manage).';

function ticketNumber(raw: string): number {
	if (!/^\d{1,9}$/.test(raw)) error(404, 'Not found');
	return Number(raw);
}

/** One ticket and its thread as the organisation sees it: replies only (RLS keeps internal notes out). */
export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tickets.read'))
		error(403, 'Support tickets need the tickets.read permission.');
	const number = ticketNumber(params.number);
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const ticket = await findTicketByNumber(trx, tenant.id, number);
		if (!ticket) return null;
		return { ticket, messages: await listMessages(trx, tenant.id, ticket.id) };
	});
	if (!found) error(404, 'Not found');
	return {
		...found,
		mayManage: can(permissions, 'tickets.manage'),
		crumb: `#${found.ticket.number}`
	};
};

export const actions: Actions = {
	reply: (event) =>
		tenantAction(event, replySchema, async (trx, tenant, { input, values }) => {
			const ticket = await findTicketByNumber(trx, tenant.id, ticketNumber(event.params.number));
			if (!ticket) return formError(404, NO_TICKET, values);
			await replyToTicket(trx, ticket.id, input.body);
			return { ok: 'Reply sent.' };
		}),
	status: (event) =>
		tenantAction(event, tenantStatusSchema, async (trx, tenant, { input, values }) => {
			const ticket = await findTicketByNumber(trx, tenant.id, ticketNumber(event.params.number));
			if (!ticket) return formError(404, NO_TICKET, values);
			await setTicketStatus(trx, ticket.id, input.status);
			return { ok: input.status === 'closed' ? 'Ticket closed.' : 'Ticket reopened.' };
		})
};
