import { error, fail } from '@sveltejs/kit';
import { attachFile, filesOf, readUploadForm } from '$lib/server/support/attachments';
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
import { tenantAction, tenantOf } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
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
		const messages = await listMessages(trx, tenant.id, ticket.id);
		const files = await filesOf(trx, tenant.id, [
			{ ownerType: 'support_ticket', ownerId: ticket.id },
			...messages.map((m) => ({ ownerType: 'support_message' as const, ownerId: m.id }))
		]);
		return { ticket, messages, files };
	});
	if (!found) error(404, 'Not found');
	return {
		...found,
		mayManage: can(permissions, 'tickets.manage'),
		crumb: `#${found.ticket.number}`
	};
};

export const actions: Actions = {
	/**
	 * A reply with an optional file. Whether the caller may reply is asked before the body is read
	 * (capped), then the reply and its file are written in one transaction.
	 */
	reply: async (event) => {
		const mayReply = await withClaims(requireClaims(event.locals), async (trx) => {
			const tenant = await tenantOf(trx, event.params.slug);
			return (await myPermissions(trx, tenant.id)).includes('tickets.manage');
		});
		if (!mayReply) return fail(403, { errors: {}, values: {}, message: NO_TICKET });
		const upload = await readUploadForm(event.request);
		if (!('request' in upload)) return upload;
		return tenantAction(
			{ locals: event.locals, params: event.params, request: upload.request },
			replySchema,
			async (trx, tenant, { input, values }) => {
				const ticket = await findTicketByNumber(trx, tenant.id, ticketNumber(event.params.number));
				if (!ticket) return formError(404, NO_TICKET, values);
				const id = await replyToTicket(trx, ticket.id, input.body);
				if (upload.file) {
					await attachFile(
						trx,
						{ tenantId: tenant.id, ownerType: 'support_message', ownerId: id },
						upload.file
					);
				}
				return { ok: upload.file ? 'Reply sent with its file.' : 'Reply sent.' };
			}
		);
	},
	status: (event) =>
		tenantAction(event, tenantStatusSchema, async (trx, tenant, { input, values }) => {
			const ticket = await findTicketByNumber(trx, tenant.id, ticketNumber(event.params.number));
			if (!ticket) return formError(404, NO_TICKET, values);
			await setTicketStatus(trx, ticket.id, input.status);
			return { ok: input.status === 'closed' ? 'Ticket closed.' : 'Ticket reopened.' };
		})
};
