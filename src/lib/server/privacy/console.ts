/**
 * The console's privacy requests (/admin/privacy, support staff): every request across tenants
 * through public.admin_gdpr_requests (kind, state, deadline — never the person or their details),
 * a request's history from the audit log, and the deadline's extension.
 */
import { sql, type Transaction } from 'kysely';
import type { GdprRequestKind, GdprRequestState } from '../../privacy/constants';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

export interface ConsoleRequest {
	id: string;
	tenantId: string | null;
	tenantName: string | null;
	tenantSlug: string | null;
	kind: GdprRequestKind;
	state: GdprRequestState;
	receivedAt: Date;
	dueAt: Date;
	closedAt: Date | null;
	extendedAt: Date | null;
	extensionReason: string | null;
	refusedReason: string | null;
	overdue: boolean;
}

export const GDPR_REQUEST_LIST = defineList({
	sorts: {
		due: { column: 'dueAt', type: 'timestamptz' },
		received: { column: 'receivedAt', type: 'timestamptz' },
		tenant: { column: 'tenantName', type: 'text' },
		kind: { column: 'kind', type: 'text' },
		state: { column: 'state', type: 'text' }
	},
	defaultSort: 'due',
	defaultDir: 'asc',
	search: ['tenantName', 'tenantSlug', 'kind', 'state', 'id'],
	id: { column: 'id', type: 'uuid' }
});

function requests(trx: Transaction<DB>) {
	return trx
		.selectFrom(sql<Record<string, unknown>>`public.admin_gdpr_requests()`.as('g'))
		.select([
			sql<string>`g.id`.as('id'),
			sql<string | null>`g.tenant_id`.as('tenantId'),
			sql<string | null>`coalesce(g.tenant_name, 'The platform')`.as('tenantName'),
			sql<string | null>`g.tenant_slug`.as('tenantSlug'),
			sql<GdprRequestKind>`g.kind`.as('kind'),
			sql<GdprRequestState>`g.state`.as('state'),
			sql<Date>`g.received_at`.as('receivedAt'),
			sql<Date>`g.due_at`.as('dueAt'),
			sql<Date | null>`g.closed_at`.as('closedAt'),
			sql<Date | null>`g.extended_at`.as('extendedAt'),
			sql<string | null>`g.extension_reason`.as('extensionReason'),
			sql<string | null>`g.refused_reason`.as('refusedReason'),
			sql<boolean>`g.overdue`.as('overdue')
		]);
}

/** A page of every tenant's and the platform's requests (support staff; TN061 otherwise). */
export function pageConsoleRequests(
	trx: Transaction<DB>,
	params: ListParams
): Promise<ListPage<ConsoleRequest>> {
	return listPage(trx, requests(trx), GDPR_REQUEST_LIST, params) as Promise<
		ListPage<ConsoleRequest>
	>;
}

export function getConsoleRequest(
	trx: Transaction<DB>,
	id: string
): Promise<ConsoleRequest | undefined> {
	return requests(trx)
		.where(sql<boolean>`g.id = ${id}::uuid`)
		.executeTakeFirst() as Promise<ConsoleRequest | undefined>;
}

export interface RequestStep {
	id: string;
	at: Date;
	action: string;
	actorType: string;
	from: string | null;
	to: string | null;
	dueAt: string | null;
	note: string | null;
}

/** The request's audit rows, oldest first: each step's state, and a refusal's or extension's reason. */
export function requestHistory(trx: Transaction<DB>, id: string): Promise<RequestStep[]> {
	return trx
		.selectFrom('audit_logs as l')
		.select([
			sql<string>`l.id::text`.as('id'),
			'l.created_at as at',
			'l.action',
			'l.actor_type as actorType',
			sql<string | null>`l.old_values ->> 'state'`.as('from'),
			sql<string | null>`l.new_values ->> 'state'`.as('to'),
			sql<string | null>`l.new_values ->> 'due_at'`.as('dueAt'),
			sql<
				string | null
			>`coalesce(l.new_values ->> 'refused_reason', l.new_values ->> 'extension_reason')`.as('note')
		])
		.where('l.target_type', '=', 'gdpr_requests')
		.where('l.target_id', '=', id)
		.orderBy('l.id')
		.limit(200)
		.execute();
}

/** Extends an open request's deadline once by two months (TN498, TN499); returns the new deadline. */
export async function extendRequest(
	trx: Transaction<DB>,
	requestId: string,
	reason: string
): Promise<Date> {
	const { rows } = await sql<{
		due: Date;
	}>`select public.extend_gdpr_request(${requestId}::uuid, ${reason}) as due`.execute(trx);
	return rows[0]!.due;
}
