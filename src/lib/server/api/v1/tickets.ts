/**
 * Support tickets (support/queries.ts, docs/support.md): list (full-text search, status), open,
 * read, reply, close and reopen, and a ticket's messages. tickets.read to read, tickets.manage to
 * write, for a person or an API key; SQL decides. Tickets are named by their number in the
 * organisation. Internal notes are never part of this API: RLS gives a tenant's principal none,
 * and the message list asks for replies only besides.
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import {
	createTicket,
	findTicketByNumber,
	listMessages,
	listTickets,
	replyToTicket,
	setTicketStatus,
	type Ticket,
	type TicketMessage
} from '../../support/queries';
import { category, priority, status } from '../../support/schemas';
import { MAX_SUBJECT, MAX_TEXT } from '../../../support/options';
import { endpoint } from '../endpoint';
import { pageOf, pageQuery, paginate } from '../paging';
import { iso, listEndpoint, notFound, timestamp } from './shared';

const TAG = 'Support tickets';

export const ticketSchema = z
	.object({
		id: z.uuid(),
		number: z.int().meta({ description: 'The ticket’s number in the organisation: 1, 2, 3 …' }),
		subject: z.string(),
		description: z.string(),
		status,
		priority,
		category,
		project_id: z.uuid().nullable(),
		requester_id: z.uuid().nullable(),
		assigned: z.boolean().meta({ description: 'Whether a support staff member has taken it.' }),
		first_response_due_at: timestamp,
		first_responded_at: timestamp.nullable(),
		resolution_due_at: timestamp,
		resolved_at: timestamp.nullable(),
		sla_breached: z.boolean().meta({ description: 'A clock passed its due time.' }),
		merged_into_number: z.int().nullable(),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'SupportTicket' });

export const ticketMessageSchema = z
	.object({
		id: z.uuid(),
		author_side: z.enum(['customer', 'staff']),
		author_name: z.string().nullable().meta({
			description: 'A member’s name; null for support staff and API keys.'
		}),
		body: z.string(),
		created_at: timestamp
	})
	.meta({ id: 'SupportTicketMessage' });

function ticketJson(t: Ticket): z.infer<typeof ticketSchema> {
	return {
		id: t.id,
		number: t.number,
		subject: t.subject,
		description: t.description,
		status: t.status,
		priority: t.priority,
		category: t.category,
		project_id: t.projectId,
		requester_id: t.requesterId,
		assigned: t.assigneeId !== null,
		first_response_due_at: iso(t.firstResponseDueAt),
		first_responded_at: iso(t.firstRespondedAt),
		resolution_due_at: iso(t.resolutionDueAt),
		resolved_at: iso(t.resolvedAt),
		sla_breached: t.breached,
		merged_into_number: t.mergedIntoNumber,
		created_at: iso(t.createdAt),
		updated_at: iso(t.updatedAt)
	};
}

function messageJson(m: TicketMessage): z.infer<typeof ticketMessageSchema> {
	return {
		id: m.id,
		author_side: m.authorSide,
		author_name: m.authorSide === 'staff' ? null : m.authorName,
		body: m.body,
		created_at: iso(m.createdAt)
	};
}

async function visibleTicket(trx: Transaction<DB>, tenantId: string, number: number) {
	return (await findTicketByNumber(trx, tenantId, number)) ?? notFound('support ticket');
}

const ticketParams = z.object({
	number: z.coerce
		.number({ error: 'Use the ticket’s number.' })
		.int({ error: 'Use the ticket’s number.' })
		.positive({ error: 'Use the ticket’s number.' })
		.max(2147483647, { error: 'Use the ticket’s number.' })
		.meta({ description: 'The ticket’s number in the organisation.' })
});

/** Sorts numbers as the page keys compare them (strings). */
const numberKey = (n: number) => String(n).padStart(10, '0');

export const listTicketsEndpoint = endpoint(
	{
		method: 'GET',
		path: '/tickets',
		operationId: 'listTickets',
		summary: 'Support tickets, by number; search and filter by status (tickets.read)',
		tag: TAG,
		query: pageQuery.extend({
			q: z.string().trim().max(200).optional().meta({
				description: 'Full-text search (web search syntax) over subjects, descriptions and replies.'
			}),
			status: status.optional()
		}),
		response: pageOf(ticketSchema, 'SupportTicketPage')
	},
	async ({ trx, tenant, query }) => {
		const rows = await listTickets(trx, tenant.id, {
			q: query.q || undefined,
			status: query.status
		});
		const page = paginate(rows, (t) => numberKey(t.number), query);
		return { data: page.data.map(ticketJson), next_cursor: page.next_cursor };
	}
);

export const createTicketEndpoint = endpoint(
	{
		method: 'POST',
		path: '/tickets',
		operationId: 'createTicket',
		summary: 'Open a support ticket (tickets.manage)',
		tag: TAG,
		body: z
			.object({
				subject: z.string().trim().min(1).max(MAX_SUBJECT),
				description: z.string().trim().min(1).max(MAX_TEXT),
				priority: priority.default('medium'),
				category: category.default('general'),
				project_id: z.uuid().nullable().default(null)
			})
			.strict()
			.meta({ id: 'SupportTicketCreate' }),
		response: ticketSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const { number } = await createTicket(trx, tenant.id, {
			subject: body.subject,
			description: body.description,
			priority: body.priority,
			category: body.category,
			project: body.project_id
		});
		return ticketJson(await visibleTicket(trx, tenant.id, number));
	}
);

export const getTicketEndpoint = endpoint(
	{
		method: 'GET',
		path: '/tickets/{number}',
		operationId: 'getTicket',
		summary: 'A support ticket (tickets.read)',
		tag: TAG,
		params: ticketParams,
		response: ticketSchema
	},
	async ({ trx, tenant, params }) => ticketJson(await visibleTicket(trx, tenant.id, params.number))
);

export const listTicketMessagesEndpoint = listEndpoint(
	{
		path: '/tickets/{number}/messages',
		operationId: 'listTicketMessages',
		summary: 'A ticket’s replies, oldest first (tickets.read; internal notes are never listed)',
		tag: TAG,
		item: ticketMessageSchema,
		pageId: 'SupportTicketMessagePage',
		params: ticketParams
	},
	async ({ trx, tenant, params }) => {
		const ticket = await visibleTicket(trx, tenant.id, params.number);
		return (await listMessages(trx, tenant.id, ticket.id))
			.filter((m) => m.kind === 'reply')
			.map(messageJson);
	},
	(m) => `${m.created_at}|${m.id}`
);

export const replyToTicketEndpoint = endpoint(
	{
		method: 'POST',
		path: '/tickets/{number}/replies',
		operationId: 'replyToTicket',
		summary: 'Reply on a ticket; a pending or resolved one opens again (tickets.manage)',
		tag: TAG,
		params: ticketParams,
		body: z
			.object({ body: z.string().trim().min(1).max(MAX_TEXT) })
			.strict()
			.meta({ id: 'SupportTicketReply' }),
		response: ticketMessageSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		const ticket = await visibleTicket(trx, tenant.id, params.number);
		const id = await replyToTicket(trx, ticket.id, body.body);
		const message = (await listMessages(trx, tenant.id, ticket.id)).find((m) => m.id === id)!;
		return messageJson(message);
	}
);

function statusEndpoint(path: 'close' | 'reopen', to: 'closed' | 'open', summary: string) {
	return endpoint(
		{
			method: 'POST',
			path: `/tickets/{number}/${path}`,
			operationId: `${path}Ticket`,
			summary,
			tag: TAG,
			params: ticketParams,
			response: ticketSchema
		},
		async ({ trx, tenant, params }) => {
			const ticket = await visibleTicket(trx, tenant.id, params.number);
			await setTicketStatus(trx, ticket.id, to);
			return ticketJson(await visibleTicket(trx, tenant.id, ticket.number));
		}
	);
}

export const closeTicketEndpoint = statusEndpoint(
	'close',
	'closed',
	'Close a ticket (tickets.manage)'
);
export const reopenTicketEndpoint = statusEndpoint(
	'reopen',
	'open',
	'Reopen a resolved or closed ticket (tickets.manage)'
);
