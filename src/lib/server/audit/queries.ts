/**
 * The audit log page and its export. Every query runs in the caller's transaction, so RLS decides
 * which rows exist (audit.read in the tenant, and its MFA requirement). Pages are keyset-paged on
 * (created_at, id), which `audit_logs_tenant_created_idx` serves: page 1000 costs what page 1 does.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { AuditCursor, AuditFilter } from './schemas';
import type { DB } from '../platform/database';

export const AUDIT_PAGE_SIZE = 50;

export interface AuditRow {
	id: string;
	/** The organisation it happened in (null: the platform's own rows: staff, settings). */
	tenantId: string | null;
	tenantName: string | null;
	/** created_at to the microsecond in UTC: the row's cursor, with the id. */
	at: string;
	createdAt: Date;
	actorType: 'user' | 'api_key' | 'system';
	actorId: string | null;
	actorJob: string | null;
	/** The acting person's address, when they are someone the caller may see. */
	actorEmail: string | null;
	action: string;
	targetType: string | null;
	targetId: string | null;
	oldValues: Record<string, unknown> | null;
	newValues: Record<string, unknown> | null;
	ip: string | null;
	userAgent: string | null;
}

export interface AuditPage {
	rows: AuditRow[];
	hasOlder: boolean;
	hasNewer: boolean;
}

export interface AuditChainStatus {
	verified: boolean;
	problem: string | null;
	firstBrokenLogId: string | null;
	sealedRows: number;
	unsealedRows: number;
	headHash: string | null;
}

/** A LIKE pattern matching `text` literally. */
function literal(text: string): string {
	return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The filter as SQL conditions on `l` (audit_logs); dates are whole days in the tenant's zone. A
 * null tenant is the console's platform-wide view: every row RLS lets the staff member read.
 */
function conditions(
	tenantId: string | null,
	timezone: string,
	filter: AuditFilter
): RawBuilder<unknown>[] {
	const where: RawBuilder<unknown>[] = [
		tenantId === null ? sql`true` : sql`l.tenant_id = ${tenantId}`
	];
	if (filter.actor) {
		const pattern = `%${literal(filter.actor)}%`;
		where.push(sql`(l.actor_id in (select p.id from public.profiles p where p.email::text ilike ${pattern})
		                or l.actor_job ilike ${pattern})`);
	}
	if (filter.action) where.push(sql`l.action like ${literal(filter.action) + '%'}`);
	if (filter.target_type) where.push(sql`l.target_type = ${filter.target_type}`);
	if (filter.target_id) where.push(sql`l.target_id = ${filter.target_id}`);
	if (filter.from) {
		where.push(sql`l.created_at >= (${filter.from}::date)::timestamp at time zone ${timezone}`);
	}
	if (filter.to) {
		where.push(sql`l.created_at < (${filter.to}::date + 1)::timestamp at time zone ${timezone}`);
	}
	return where;
}

interface RawRow {
	id: string;
	tenant_id: string | null;
	tenant_name: string | null;
	at: string;
	created_at: Date;
	actor_type: AuditRow['actorType'];
	actor_id: string | null;
	actor_job: string | null;
	actor_email: string | null;
	action: string;
	target_type: string | null;
	target_id: string | null;
	old_values: Record<string, unknown> | null;
	new_values: Record<string, unknown> | null;
	ip: string | null;
	user_agent: string | null;
}

async function select(
	trx: Transaction<DB>,
	where: RawBuilder<unknown>[],
	order: 'asc' | 'desc',
	limit: number
): Promise<AuditRow[]> {
	const direction = order === 'asc' ? sql`asc` : sql`desc`;
	const { rows } = await sql<RawRow>`
		select l.id::text as id, l.tenant_id::text as tenant_id, t.name as tenant_name,
		       to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
		       l.created_at, l.actor_type::text as actor_type, l.actor_id, l.actor_job,
		       p.email::text as actor_email, l.action, l.target_type, l.target_id, l.old_values,
		       l.new_values, host(l.ip) as ip, l.user_agent
		  from public.audit_logs l
		  left join public.profiles p on p.id = l.actor_id
		  left join public.tenants t on t.id = l.tenant_id
		 where ${sql.join(where, sql` and `)}
		 order by l.created_at ${direction}, l.id ${direction}
		 limit ${limit}`.execute(trx);
	return rows.map((r) => ({
		id: r.id,
		tenantId: r.tenant_id,
		tenantName: r.tenant_name,
		at: r.at,
		createdAt: r.created_at,
		actorType: r.actor_type,
		actorId: r.actor_id,
		actorJob: r.actor_job,
		actorEmail: r.actor_email,
		action: r.action,
		targetType: r.target_type,
		targetId: r.target_id,
		oldValues: r.old_values,
		newValues: r.new_values,
		ip: r.ip,
		userAgent: r.user_agent
	}));
}

const older = (c: AuditCursor) =>
	sql`(l.created_at, l.id) < (${c.at}::timestamptz, ${c.id}::bigint)`;
const newer = (c: AuditCursor) =>
	sql`(l.created_at, l.id) > (${c.at}::timestamptz, ${c.id}::bigint)`;

/**
 * One page, newest first: the first page, the page older than `before`, or the page newer than
 * `after`. One extra row is read to know whether there is another page that way.
 */
export async function listAuditLog(
	trx: Transaction<DB>,
	tenant: { id: string | null; timezone: string },
	filter: AuditFilter,
	page: { before?: AuditCursor; after?: AuditCursor; limit?: number } = {}
): Promise<AuditPage> {
	const limit = page.limit ?? AUDIT_PAGE_SIZE;
	const where = conditions(tenant.id, tenant.timezone, filter);
	if (page.after) {
		const rows = await select(trx, [...where, newer(page.after)], 'asc', limit + 1);
		return { rows: rows.slice(0, limit).reverse(), hasNewer: rows.length > limit, hasOlder: true };
	}
	if (page.before) where.push(older(page.before));
	const rows = await select(trx, where, 'desc', limit + 1);
	return { rows: rows.slice(0, limit), hasOlder: rows.length > limit, hasNewer: !!page.before };
}

/** The next `limit` rows of the export, oldest first, after `after` (keyset, like the page). */
export function exportBatch(
	trx: Transaction<DB>,
	tenant: { id: string | null; timezone: string },
	filter: AuditFilter,
	after: AuditCursor | null,
	limit: number
): Promise<AuditRow[]> {
	const where = conditions(tenant.id, tenant.timezone, filter);
	if (after) where.push(newer(after));
	return select(trx, where, 'asc', limit);
}

/**
 * Actions among the tenant's latest 2000 rows, for the filter's suggestions: a bounded walk of the
 * (tenant_id, created_at, id) index, whatever the size of the log.
 */
export async function knownActions(
	trx: Transaction<DB>,
	tenantId: string | null
): Promise<string[]> {
	const { rows } = await sql<{ action: string }>`
		select distinct r.action from (
		  select l.action from public.audit_logs l
		   where ${tenantId === null ? sql`true` : sql`l.tenant_id = ${tenantId}`}
		   order by l.created_at desc, l.id desc limit 2000) r
		 order by r.action limit 200`.execute(trx);
	return rows.map((r) => r.action);
}

/** public.verify_audit_chain: recomputes every sealed link (needs audit.read, else TN002). */
export async function auditChainStatus(
	trx: Transaction<DB>,
	tenantId: string
): Promise<AuditChainStatus> {
	const { rows } = await sql<{
		first_broken_log_id: string | null;
		problem: string | null;
		sealed_rows: string;
		unsealed_rows: string;
		head_hash: string | null;
	}>`select first_broken_log_id::text, problem, sealed_rows, unsealed_rows, head_hash
	     from public.verify_audit_chain(${tenantId})`.execute(trx);
	const row = rows[0]!;
	return {
		verified: row.problem === null,
		problem: row.problem,
		firstBrokenLogId: row.first_broken_log_id,
		sealedRows: Number(row.sealed_rows),
		unsealedRows: Number(row.unsealed_rows),
		headHash: row.head_hash
	};
}
