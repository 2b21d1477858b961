/**
 * A tenant's domain events, read in the caller's transaction: RLS decides which exist (audit.read
 * or webhooks.manage in the tenant, and its MFA requirement). Lists are newest first and
 * keyset-paged on (occurred_at, id), which `events_tenant_occurred_idx` serves (with a type filter,
 * `events_tenant_type_idx`), so a deep page costs what the first does.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

export const EVENTS_PAGE_SIZE = 50;

export interface EventRow {
	id: string;
	/** occurred_at to the microsecond in UTC: the row's cursor, with the id. */
	at: string;
	tenantId: string;
	type: string;
	version: number;
	subjectType: string;
	subjectId: string;
	payload: Record<string, unknown>;
	actorType: 'user' | 'api_key' | 'system';
	actorId: string | null;
	actorJob: string | null;
	/** The acting person's address, when they are someone the caller may see. */
	actorEmail: string | null;
	occurredAt: Date;
}

export interface EventFilter {
	/** Any of these types; empty or absent: every type. */
	types?: readonly string[];
	/** Occurred at or after. */
	since?: Date;
	/** Occurred before. */
	until?: Date;
	/** The subject's id (with or without its type). */
	subjectId?: string;
}

/** A page boundary: a row's occurred_at to the microsecond (UTC, as Postgres prints it) and id. */
export const eventCursorSchema = z
	.string()
	.regex(
		/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
	)
	.transform((value) => {
		const [at, id] = value.split('_') as [string, string];
		return { at, id };
	});

export type EventCursor = z.output<typeof eventCursorSchema>;

export function cursorOf(row: EventRow): string {
	return `${row.at}_${row.id}`;
}

interface RawRow {
	id: string;
	at: string;
	tenant_id: string;
	type: string;
	version: number;
	subject_type: string;
	subject_id: string;
	payload: Record<string, unknown>;
	actor_type: EventRow['actorType'];
	actor_id: string | null;
	actor_job: string | null;
	actor_email: string | null;
	occurred_at: Date;
}

function conditions(tenantId: string, filter: EventFilter): RawBuilder<unknown>[] {
	const where: RawBuilder<unknown>[] = [sql`e.tenant_id = ${tenantId}`];
	if (filter.types?.length) where.push(sql`e.type = any (${[...filter.types]}::text[])`);
	if (filter.since) where.push(sql`e.occurred_at >= ${filter.since.toISOString()}::timestamptz`);
	if (filter.until) where.push(sql`e.occurred_at < ${filter.until.toISOString()}::timestamptz`);
	if (filter.subjectId) where.push(sql`e.subject_id = ${filter.subjectId}`);
	return where;
}

async function select(
	trx: Transaction<DB>,
	where: RawBuilder<unknown>[],
	order: 'asc' | 'desc',
	limit: number
): Promise<EventRow[]> {
	const direction = order === 'asc' ? sql`asc` : sql`desc`;
	const { rows } = await sql<RawRow>`
		select e.id::text as id,
		       to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
		       e.tenant_id::text as tenant_id, e.type, e.version, e.subject_type, e.subject_id, e.payload,
		       e.actor_type::text as actor_type, e.actor_id::text as actor_id, e.actor_job,
		       p.email::text as actor_email, e.occurred_at
		  from public.events e
		  left join public.profiles p on e.actor_type = 'user' and p.id = e.actor_id
		 where ${sql.join(where, sql` and `)}
		 order by e.occurred_at ${direction}, e.id ${direction}
		 limit ${limit}`.execute(trx);
	return rows.map((r) => ({
		id: r.id,
		at: r.at,
		tenantId: r.tenant_id,
		type: r.type,
		version: Number(r.version),
		subjectType: r.subject_type,
		subjectId: r.subject_id,
		payload: r.payload,
		actorType: r.actor_type,
		actorId: r.actor_id,
		actorJob: r.actor_job,
		actorEmail: r.actor_email,
		occurredAt: r.occurred_at
	}));
}

export interface EventPage {
	rows: EventRow[];
	hasOlder: boolean;
	hasNewer: boolean;
}

/**
 * One page, newest first: the first page, the page older than `before`, or the page newer than
 * `after`. One extra row is read to know whether there is another page that way.
 */
export async function listEvents(
	trx: Transaction<DB>,
	tenantId: string,
	filter: EventFilter,
	page: { before?: EventCursor; after?: EventCursor; limit?: number } = {}
): Promise<EventPage> {
	const limit = page.limit ?? EVENTS_PAGE_SIZE;
	const where = conditions(tenantId, filter);
	if (page.after) {
		where.push(
			sql`(e.occurred_at, e.id) > (${page.after.at}::timestamptz, ${page.after.id}::uuid)`
		);
		const rows = await select(trx, where, 'asc', limit + 1);
		return { rows: rows.slice(0, limit).reverse(), hasNewer: rows.length > limit, hasOlder: true };
	}
	if (page.before) {
		where.push(
			sql`(e.occurred_at, e.id) < (${page.before.at}::timestamptz, ${page.before.id}::uuid)`
		);
	}
	const rows = await select(trx, where, 'desc', limit + 1);
	return { rows: rows.slice(0, limit), hasOlder: rows.length > limit, hasNewer: !!page.before };
}

/** One event of the tenant, or null when there is none the caller may see. */
export async function getEvent(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<EventRow | null> {
	const rows = await select(trx, [...conditions(tenantId, {}), sql`e.id = ${id}::uuid`], 'desc', 1);
	return rows[0] ?? null;
}

export interface EventTypeRow {
	type: string;
	version: number;
	module: string;
	description: string;
}

/** The catalogue (every signed-in person may read it), by type. */
export async function listEventTypes(trx: Transaction<DB>): Promise<EventTypeRow[]> {
	const { rows } = await sql<EventTypeRow>`
		select t.type, t.version, t.module, t.description from public.event_types t order by t.type`.execute(
		trx
	);
	return rows.map((r) => ({ ...r, version: Number(r.version) }));
}

/** The events page's list: newest first, sortable by time or type, searched in type, subject and actor. */
export const EVENT_LIST = defineList({
	sorts: {
		occurred: { column: 'occurredAt', type: 'timestamptz' },
		type: { column: 'type', type: 'text' }
	},
	defaultSort: 'occurred',
	defaultDir: 'desc',
	search: ['type', 'subjectType', 'subjectId', 'actorEmail', 'actorJob'],
	id: { column: 'id', type: 'uuid' }
});

export interface EventListRow {
	id: string;
	type: string;
	version: number;
	subjectType: string;
	subjectId: string;
	payload: Record<string, unknown>;
	actorType: 'user' | 'api_key' | 'system';
	actorEmail: string | null;
	actorJob: string | null;
	occurredAt: Date;
}

/** One page of the tenant's events for the events page, of `types` when given. */
export async function pageEvents(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams,
	types: readonly string[] = []
): Promise<ListPage<EventListRow>> {
	let query = trx
		.selectFrom('events as e')
		.leftJoin('profiles as p', (join) =>
			join.onRef('p.id', '=', 'e.actor_id').on('e.actor_type', '=', 'user')
		)
		.select([
			'e.id',
			'e.type',
			'e.version',
			'e.subject_type as subjectType',
			'e.subject_id as subjectId',
			'e.payload',
			'e.actor_type as actorType',
			'e.actor_job as actorJob',
			'e.occurred_at as occurredAt'
		])
		.select(sql<string | null>`p.email::text`.as('actorEmail'))
		.where('e.tenant_id', '=', tenantId);
	if (types.length) query = query.where('e.type', 'in', [...types]);
	const page = await listPage(trx, query, EVENT_LIST, params);
	return {
		...page,
		rows: page.rows.map((r) => ({
			...r,
			version: Number(r.version),
			payload: r.payload as Record<string, unknown>
		}))
	};
}
