import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { describeAudit, type AuditEntry } from '$lib/format';
import { withClaims } from '$lib/server/platform/db';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { NOT_FOUND, requireRole, requireStaff, staffAction } from '$lib/server/admin/guard';
import { attachFile, filesOf, readUploadForm } from '$lib/server/support/attachments';
import {
	assignTicket,
	findTicket,
	listMacros,
	listMessages,
	listSupportStaff,
	mergeTicket,
	recentPayments,
	staffReply,
	staffUpdateTicket
} from '$lib/server/support/queries';
import {
	assignSchema,
	mergeSchema,
	staffReplySchema,
	staffUpdateSchema
} from '$lib/server/support/schemas';
import { getTenantDetail } from '$lib/server/tenancy/console';
import type { Actions, PageServerLoad } from './$types';

function ticketId(id: string): string {
	if (!z.uuid().safeParse(id).success) error(404, NOT_FOUND);
	return id;
}

/**
 * One ticket in the console: the whole thread (internal notes included, set apart), the reply and
 * note form with macros, assignment, status and priority, merging, and the organisation's context
 * beside it (plan, status, recent payments and audit — what the caller's staff role may read).
 */
export const load: PageServerLoad = async ({ locals, parent, params }) => {
	requireRole((await parent()).holds, 'support');
	const id = ticketId(params.id);
	const found = await withClaims(locals.claims, async (trx) => {
		const ticket = await findTicket(trx, id);
		if (!ticket) return null;
		const detail = await getTenantDetail(trx, ticket.tenantId);
		const messages = await listMessages(trx, ticket.tenantId, ticket.id);
		return {
			ticket,
			messages,
			files: await filesOf(trx, ticket.tenantId, [
				{ ownerType: 'support_ticket', ownerId: ticket.id },
				...messages.map((m) => ({ ownerType: 'support_message' as const, ownerId: m.id }))
			]),
			staff: await listSupportStaff(trx),
			macros: await listMacros(trx),
			context: {
				tenant: detail?.tenant ?? null,
				subscription: detail?.subscription ?? null,
				audit: (detail?.audit ?? []).slice(0, 8).map((a) => ({
					id: a.id,
					createdAt: a.createdAt,
					sentence: describeAudit({
						action: a.action,
						actor: a.actorEmail,
						actorType: a.actorType as AuditEntry['actorType'],
						after: a.newValues as AuditEntry['after']
					})
				})),
				payments: await recentPayments(trx, ticket.tenantId)
			}
		};
	});
	if (!found) error(404, NOT_FOUND);
	return { ...found, crumb: `#${found.ticket.number} ${found.ticket.tenantName}` };
};

const NO_TICKET = 'No such ticket: it may have been deleted with its organisation.';

export const actions: Actions = {
	/** A reply or note with an optional file: the staff gate first, then the body (capped). */
	reply: async (event) => {
		await requireStaff(event.locals, event.url, 'support');
		const upload = await readUploadForm(event.request);
		if (!('request' in upload)) return upload;
		return staffAction(
			{ locals: event.locals, url: event.url, request: upload.request },
			'support',
			staffReplySchema,
			async (trx, { input }) => {
				const id = ticketId(event.params.id!);
				const messageId = await staffReply(trx, id, input);
				const ticket = await findTicket(trx, id);
				if (upload.file && ticket) {
					await attachFile(
						trx,
						{ tenantId: ticket.tenantId, ownerType: 'support_message', ownerId: messageId },
						upload.file
					);
				}
				return { ok: input.internal ? 'Internal note added.' : 'Reply sent to the organisation.' };
			}
		);
	},
	update: (event) =>
		staffAction(event, 'support', staffUpdateSchema, async (trx, { input }) => {
			await staffUpdateTicket(trx, ticketId(event.params.id!), input);
			return { ok: 'Ticket updated.' };
		}),
	assign: (event) =>
		staffAction(event, 'support', assignSchema, async (trx, { input }) => {
			await assignTicket(trx, ticketId(event.params.id!), input.assignee);
			return { ok: input.assignee ? 'Ticket assigned.' : 'Ticket unassigned.' };
		}),
	merge: (event) =>
		staffAction(event, 'support', mergeSchema, async (trx, { input, values }) => {
			const ticket = await findTicket(trx, ticketId(event.params.id!));
			if (!ticket) return formError(404, NO_TICKET, values);
			if (!(await mergeTicket(trx, ticket, input.into))) {
				return fieldError('into', `${ticket.tenantName} has no ticket #${input.into}.`, values);
			}
			return { ok: `Merged into #${input.into}.` };
		})
};
