/**
 * Support tickets, their threads and staff's macros, in the caller's request transaction. Reads
 * are RLS (tickets.read in the tenant; support staff everywhere; internal notes staff only);
 * every ticket and message write is an RPC of supabase/migrations/20261203000600_support.sql,
 * which decides who may (this file never checks a permission). Search is Postgres full-text
 * search (websearch_to_tsquery) over the subject and description and over the messages the caller
 * may read — RLS hides internal notes from a tenant, so its search cannot match them.
 */
import { sql, type Expression, type SqlBool, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { Category, Priority, Status, TicketInput } from './schemas';

export interface TicketRow {
	id: string;
	tenantId: string;
	tenantSlug: string;
	tenantName: string;
	number: number;
	subject: string;
	priority: Priority;
	priorityRank: number;
	category: Category;
	status: Status;
	assigneeId: string | null;
	assigneeName: string | null;
	requesterName: string | null;
	/** A clock past its due time, stopped late or still running. */
	breached: boolean;
	createdAt: Date;
	updatedAt: Date;
}

export interface Ticket extends TicketRow {
	description: string;
	projectId: string | null;
	projectName: string | null;
	requesterId: string | null;
	firstResponseDueAt: Date;
	resolutionDueAt: Date;
	firstRespondedAt: Date | null;
	resolvedAt: Date | null;
	closedAt: Date | null;
	firstResponseBreached: boolean;
	resolutionBreached: boolean;
	mergedIntoNumber: number | null;
}

export interface TicketMessage {
	id: string;
	authorSide: 'customer' | 'staff';
	kind: 'reply' | 'internal_note';
	/** Null when the caller may not read the author's profile (staff, to a tenant) or an API key wrote it. */
	authorName: string | null;
	body: string;
	createdAt: Date;
}

export interface TicketFilters {
	status?: Status | 'active';
	priority?: Priority;
	/** Console only: 'me', 'none' or a staff member's id. */
	assignee?: string;
	/** Console only: a tenant's slug. */
	tenant?: string;
	/** Console only: tickets with a breached SLA clock. */
	breached?: boolean;
}

const ACTIVE: Status[] = ['open', 'in_progress', 'pending'];

const breached = sql<boolean>`(t.first_response_breached or t.resolution_breached
	or (t.first_responded_at is null and t.first_response_due_at < now())
	or (t.resolved_at is null and t.resolution_due_at < now()))`;

function ticketsOf(trx: Transaction<DB>) {
	return trx
		.selectFrom('support_tickets as t')
		.innerJoin('tenants as tn', 'tn.id', 't.tenant_id')
		.leftJoin('profiles as a', 'a.id', 't.assignee_id')
		.leftJoin('profiles as r', 'r.id', 't.requester_id')
		.select([
			't.id',
			't.tenant_id as tenantId',
			'tn.slug as tenantSlug',
			'tn.name as tenantName',
			't.number',
			't.subject',
			sql<Priority>`t.priority::text`.as('priority'),
			sql<number>`array_position(array['low', 'medium', 'high', 'urgent'], t.priority::text)`.as(
				'priorityRank'
			),
			sql<Category>`t.category`.as('category'),
			sql<Status>`t.status::text`.as('status'),
			't.assignee_id as assigneeId',
			sql<string | null>`coalesce(nullif(a.full_name, ''), a.email::text)`.as('assigneeName'),
			sql<string | null>`coalesce(nullif(r.full_name, ''), r.email::text)`.as('requesterName'),
			breached.as('breached'),
			't.created_at as createdAt',
			't.updated_at as updatedAt'
		]);
}

/** Subject and description, or a message the caller may read (RLS), match the search. */
function matches(q: string): Expression<SqlBool> {
	return sql<SqlBool>`(t.search @@ websearch_to_tsquery('english', ${q})
		or exists (select 1 from public.support_messages m
		           where m.tenant_id = t.tenant_id and m.ticket_id = t.id
		             and m.search @@ websearch_to_tsquery('english', ${q})))`;
}

export const TICKET_LIST = defineList({
	sorts: {
		number: { column: 'number', type: 'integer' },
		subject: { column: 'subject', type: 'text' },
		status: { column: 'status', type: 'text' },
		priority: { column: 'priorityRank', type: 'integer' },
		updated: { column: 'updatedAt', type: 'timestamptz' }
	},
	defaultSort: 'updated',
	defaultDir: 'desc',
	// The search is full-text (matches), applied before the list; none of its ILIKE columns.
	search: [],
	id: { column: 'id', type: 'uuid' }
});

async function pageOf(
	trx: Transaction<DB>,
	params: ListParams,
	filters: TicketFilters,
	scope: (q: ReturnType<typeof ticketsOf>) => ReturnType<typeof ticketsOf>
): Promise<ListPage<TicketRow>> {
	let query = scope(ticketsOf(trx));
	if (params.q) query = query.where(matches(params.q));
	if (filters.status === 'active')
		query = query.where(sql<SqlBool>`t.status::text = any(${ACTIVE})`);
	else if (filters.status) query = query.where(sql<SqlBool>`t.status::text = ${filters.status}`);
	if (filters.priority) query = query.where(sql<SqlBool>`t.priority::text = ${filters.priority}`);
	if (filters.assignee === 'none') query = query.where('t.assignee_id', 'is', null);
	else if (filters.assignee === 'me') query = query.where(sql<SqlBool>`t.assignee_id = auth.uid()`);
	else if (filters.assignee) query = query.where('t.assignee_id', '=', filters.assignee);
	if (filters.tenant) query = query.where('tn.slug', '=', filters.tenant);
	if (filters.breached) query = query.where(breached);
	const page = (await listPage(trx, query, TICKET_LIST, {
		...params,
		q: ''
	})) as ListPage<TicketRow>;
	return { ...page, q: params.q };
}

/** The tenant's tickets page: its tickets, searched, filtered, sorted and paged. */
export function pageTenantTickets(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams,
	filters: TicketFilters
): Promise<ListPage<TicketRow>> {
	return pageOf(trx, params, filters, (q) => q.where('t.tenant_id', '=', tenantId));
}

/** The console's queue: every ticket staff may read, with the console's filters. */
export function pageQueue(
	trx: Transaction<DB>,
	params: ListParams,
	filters: TicketFilters
): Promise<ListPage<TicketRow>> {
	return pageOf(trx, params, filters, (q) => q);
}

/** Every ticket of the tenant the caller may read, by number (the API's list). */
export async function listTickets(
	trx: Transaction<DB>,
	tenantId: string,
	{ q, status }: { q?: string; status?: Status }
): Promise<Ticket[]> {
	let query = detailOf(trx).where('t.tenant_id', '=', tenantId);
	if (q) query = query.where(matches(q));
	if (status) query = query.where(sql<SqlBool>`t.status::text = ${status}`);
	return (await query.orderBy('t.number').execute()) as Ticket[];
}

function detailOf(trx: Transaction<DB>) {
	return ticketsOf(trx)
		.leftJoin('projects as p', (join) =>
			join.onRef('p.tenant_id', '=', 't.tenant_id').onRef('p.id', '=', 't.project_id')
		)
		.leftJoin('support_tickets as m', (join) =>
			join.onRef('m.tenant_id', '=', 't.tenant_id').onRef('m.id', '=', 't.merged_into_id')
		)
		.select([
			't.description',
			't.project_id as projectId',
			'p.name as projectName',
			't.requester_id as requesterId',
			't.first_response_due_at as firstResponseDueAt',
			't.resolution_due_at as resolutionDueAt',
			't.first_responded_at as firstRespondedAt',
			't.resolved_at as resolvedAt',
			't.closed_at as closedAt',
			't.first_response_breached as firstResponseBreached',
			't.resolution_breached as resolutionBreached',
			'm.number as mergedIntoNumber'
		]);
}

export async function findTicketByNumber(
	trx: Transaction<DB>,
	tenantId: string,
	number: number
): Promise<Ticket | undefined> {
	return (await detailOf(trx)
		.where('t.tenant_id', '=', tenantId)
		.where('t.number', '=', number)
		.executeTakeFirst()) as Ticket | undefined;
}

export async function findTicket(trx: Transaction<DB>, id: string): Promise<Ticket | undefined> {
	return (await detailOf(trx).where('t.id', '=', id).executeTakeFirst()) as Ticket | undefined;
}

/** The thread the caller may read (a tenant: replies only, by RLS), oldest first. */
export async function listMessages(
	trx: Transaction<DB>,
	tenantId: string,
	ticketId: string
): Promise<TicketMessage[]> {
	return (await trx
		.selectFrom('support_messages as m')
		.leftJoin('profiles as p', 'p.id', 'm.author_id')
		.select([
			'm.id',
			'm.author_side as authorSide',
			sql<'reply' | 'internal_note'>`m.kind::text`.as('kind'),
			sql<string | null>`coalesce(nullif(p.full_name, ''), p.email::text)`.as('authorName'),
			'm.body',
			'm.created_at as createdAt'
		])
		.where('m.tenant_id', '=', tenantId)
		.where('m.ticket_id', '=', ticketId)
		.orderBy('m.created_at')
		.orderBy('m.id')
		.execute()) as TicketMessage[];
}

export async function createTicket(
	trx: Transaction<DB>,
	tenantId: string,
	input: TicketInput
): Promise<{ id: string; number: number }> {
	const { rows } = await sql<{ id: string }>`
		select public.create_support_ticket(${tenantId}::uuid, ${input.subject}, ${input.description},
			${input.priority}, ${input.category}, ${input.project}::uuid) as id`.execute(trx);
	const id = rows[0]!.id;
	const { number } = await trx
		.selectFrom('support_tickets')
		.select('number')
		.where('id', '=', id)
		.executeTakeFirstOrThrow();
	return { id, number };
}

export async function replyToTicket(
	trx: Transaction<DB>,
	ticketId: string,
	body: string
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.reply_support_ticket(${ticketId}::uuid, ${body}) as id`.execute(trx);
	return rows[0]!.id;
}

/** The tenant closes (closed) or reopens (open) its ticket. */
export async function setTicketStatus(
	trx: Transaction<DB>,
	ticketId: string,
	status: 'open' | 'closed'
): Promise<void> {
	await sql`select public.set_support_ticket_status(${ticketId}::uuid, ${status})`.execute(trx);
}

export async function staffReply(
	trx: Transaction<DB>,
	ticketId: string,
	input: { body: string; internal: boolean; status: Status | null }
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.staff_reply_support_ticket(${ticketId}::uuid, ${input.body}, ${input.internal},
			${input.status}) as id`.execute(trx);
	return rows[0]!.id;
}

export async function staffUpdateTicket(
	trx: Transaction<DB>,
	ticketId: string,
	input: { status?: Status; priority?: Priority }
): Promise<void> {
	await sql`select public.staff_update_support_ticket(${ticketId}::uuid, ${input.status ?? null},
		${input.priority ?? null})`.execute(trx);
}

export async function assignTicket(
	trx: Transaction<DB>,
	ticketId: string,
	assigneeId: string | null
): Promise<void> {
	await sql`select public.assign_support_ticket(${ticketId}::uuid, ${assigneeId}::uuid)`.execute(
		trx
	);
}

/** Merges a ticket into another of its tenant, named by number; false when there is no such number. */
export async function mergeTicket(
	trx: Transaction<DB>,
	ticket: { id: string; tenantId: string },
	intoNumber: number
): Promise<boolean> {
	const into = await trx
		.selectFrom('support_tickets')
		.select('id')
		.where('tenant_id', '=', ticket.tenantId)
		.where('number', '=', intoNumber)
		.executeTakeFirst();
	if (!into) return false;
	await sql`select public.merge_support_ticket(${ticket.id}::uuid, ${into.id}::uuid)`.execute(trx);
	return true;
}

export interface StaffMember {
	id: string;
	name: string;
	email: string;
}

/** Who tickets can be assigned to (support staff and super admins). */
export async function listSupportStaff(trx: Transaction<DB>): Promise<StaffMember[]> {
	const { rows } =
		await sql<StaffMember>`select id, name, email from public.support_staff()`.execute(trx);
	return rows;
}

export interface Macro {
	id: string;
	title: string;
	body: string;
	updatedAt: Date;
}

export async function listMacros(trx: Transaction<DB>): Promise<Macro[]> {
	return trx
		.selectFrom('support_macros')
		.select(['id', 'title', 'body', 'updated_at as updatedAt'])
		.orderBy('title')
		.execute();
}

export async function createMacro(
	trx: Transaction<DB>,
	input: { title: string; body: string }
): Promise<string> {
	const row = await trx
		.insertInto('support_macros')
		.values({ title: input.title, body: input.body })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

/** False when RLS hid the macro (or it is gone). */
export async function updateMacro(
	trx: Transaction<DB>,
	id: string,
	input: { title: string; body: string }
): Promise<boolean> {
	const result = await trx
		.updateTable('support_macros')
		.set({ title: input.title, body: input.body })
		.where('id', '=', id)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function deleteMacro(trx: Transaction<DB>, id: string): Promise<boolean> {
	const result = await trx.deleteFrom('support_macros').where('id', '=', id).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export interface RecentPayment {
	id: string;
	amount: number;
	currency: string;
	status: string;
	provider: string;
	createdAt: Date;
}

/** A tenant's last payments, as far as the caller may read them (billing staff; RLS). */
export async function recentPayments(
	trx: Transaction<DB>,
	tenantId: string
): Promise<RecentPayment[]> {
	const rows = await trx
		.selectFrom('payments')
		.select(['id', 'amount', 'currency', 'status', 'provider', 'created_at as createdAt'])
		.where('tenant_id', '=', tenantId)
		.orderBy('created_at', 'desc')
		.limit(5)
		.execute();
	return rows.map((r) => ({
		...r,
		amount: Number(r.amount),
		status: String(r.status),
		provider: String(r.provider)
	}));
}

/** The tenants that have tickets, for the queue's tenant filter. */
export async function listTicketTenants(
	trx: Transaction<DB>
): Promise<{ slug: string; name: string }[]> {
	return trx
		.selectFrom('tenants as tn')
		.select(['tn.slug', 'tn.name'])
		.where((eb) =>
			eb.exists(
				eb.selectFrom('support_tickets as t').select('t.id').whereRef('t.tenant_id', '=', 'tn.id')
			)
		)
		.orderBy('tn.name')
		.execute();
}
