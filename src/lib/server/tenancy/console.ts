/**
 * The admin console's tenant queries (docs/admin.md), run in the staff person's own transaction
 * under RLS; the lifecycle RPCs check the staff role (TN061) in SQL.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import { TENANT_COLUMNS } from './tenants';

type Trx = Transaction<DB>;

export interface TenantRow {
	id: string;
	slug: string;
	name: string;
	status: string;
	createdAt: Date;
	members: number;
}

/** The tenants list: sorted by name, address, status, members or creation; searched by name and address. */
export const TENANT_LIST = defineList({
	sorts: {
		created: { column: 'createdAt', type: 'timestamptz' },
		name: { column: 'name', type: 'text' },
		slug: { column: 'slug', type: 'text' },
		status: { column: 'status', type: 'text' },
		members: { column: 'members', type: 'bigint' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['name', 'slug'],
	id: { column: 'id', type: 'uuid' }
});

/** One page of tenants (one query with its member counts), in one status or all. */
export async function listTenants(
	trx: Trx,
	params: ListParams,
	status?: string
): Promise<ListPage<TenantRow>> {
	let query = trx.selectFrom('tenants as t').select([
		't.id',
		't.slug',
		't.name',
		sql<string>`t.status::text`.as('status'),
		't.created_at as createdAt',
		(eb) =>
			eb
				.selectFrom('memberships as m')
				.select((e) => e.fn.countAll<string>().as('n'))
				.whereRef('m.tenant_id', '=', 't.id')
				.as('members')
	]);
	if (status) query = query.where('t.status', '=', status as never);
	const page = await listPage(trx, query, TENANT_LIST, params);
	return { ...page, rows: page.rows.map((r) => ({ ...r, members: Number(r.members ?? 0) })) };
}

export interface TenantAdminDetail {
	tenant: {
		id: string;
		slug: string;
		name: string;
		status: string;
		statusReason: string | null;
		timezone: string;
		dataRegion: string;
		createdAt: Date;
		approvedAt: Date | null;
		suspendedAt: Date | null;
	};
	members: {
		id: string;
		userId: string;
		email: string;
		fullName: string | null;
		isOwner: boolean;
		status: string;
		roles: string | null;
	}[];
	subscription: {
		status: string;
		plan: string;
		interval: string;
		currentPeriodEnd: Date | null;
		cancelAtPeriodEnd: boolean;
	} | null;
	audit: {
		id: string;
		action: string;
		actorEmail: string | null;
		actorType: string;
		targetType: string | null;
		newValues: unknown;
		createdAt: Date;
	}[];
}

/** A tenant's name (what a staff person types to confirm suspending or archiving it). */
export async function getTenantName(trx: Trx, id: string): Promise<string | undefined> {
	const row = await trx
		.selectFrom('tenants')
		.select('name')
		.where('id', '=', id)
		.executeTakeFirst();
	return row?.name;
}

/** One tenant for the console, or undefined when it does not exist. */
export async function getTenantDetail(
	trx: Trx,
	id: string
): Promise<TenantAdminDetail | undefined> {
	const tenant = await trx
		.selectFrom('tenants')
		.select([
			...TENANT_COLUMNS,
			'created_at as createdAt',
			'approved_at as approvedAt',
			'suspended_at as suspendedAt'
		])
		.where('id', '=', id)
		.executeTakeFirst();
	if (!tenant) return undefined;
	const members = await trx
		.selectFrom('memberships as m')
		.innerJoin('profiles as p', 'p.id', 'm.user_id')
		.select([
			'm.id',
			'm.user_id as userId',
			'p.email',
			'p.full_name as fullName',
			'm.is_owner as isOwner',
			'm.status',
			(eb) =>
				eb
					.selectFrom('role_assignments as ra')
					.innerJoin('roles as r', 'r.id', 'ra.role_id')
					.select(sql<string>`string_agg(r.name, ', ' order by r.name)`.as('roles'))
					.whereRef('ra.tenant_id', '=', 'm.tenant_id')
					.whereRef('ra.user_id', '=', 'm.user_id')
					.where('ra.project_id', 'is', null)
					.as('roles')
		])
		.where('m.tenant_id', '=', id)
		.orderBy('m.is_owner', 'desc')
		.orderBy('p.email')
		.execute();
	const subscription = await trx
		.selectFrom('subscriptions as s')
		.innerJoin('plans as pl', 'pl.id', 's.plan_id')
		.select([
			's.status',
			'pl.name as plan',
			's.billing_interval as interval',
			's.current_period_end as currentPeriodEnd',
			's.cancel_at_period_end as cancelAtPeriodEnd'
		])
		.where('s.tenant_id', '=', id)
		.orderBy('s.created_at', 'desc')
		.limit(1)
		.executeTakeFirst();
	const audit = await trx
		.selectFrom('audit_logs as a')
		.leftJoin('profiles as p', 'p.id', 'a.actor_id')
		.select([
			'a.id',
			'a.action',
			'p.email as actorEmail',
			'a.actor_type as actorType',
			'a.target_type as targetType',
			'a.new_values as newValues',
			'a.created_at as createdAt'
		])
		.where('a.tenant_id', '=', id)
		.orderBy('a.created_at', 'desc')
		.orderBy('a.id', 'desc')
		.limit(20)
		.execute();
	return {
		tenant: { ...tenant, status: String(tenant.status) },
		members: members.map((m) => ({ ...m, status: String(m.status), roles: m.roles ?? null })),
		subscription: subscription
			? {
					...subscription,
					status: String(subscription.status),
					interval: String(subscription.interval)
				}
			: null,
		audit: audit.map((a) => ({ ...a, id: String(a.id), actorType: String(a.actorType) }))
	};
}

/** The staff lifecycle RPCs; SQL checks the role (TN061), the transition (TN060) and the reason (TN131). */
export async function setTenantStatus(
	trx: Trx,
	id: string,
	action: 'approve' | 'suspend' | 'reactivate' | 'archive',
	reason: string | null
): Promise<void> {
	if (action === 'approve') await sql`select public.approve_tenant(${id})`.execute(trx);
	else if (action === 'suspend')
		await sql`select public.suspend_tenant(${id}, ${reason})`.execute(trx);
	else if (action === 'archive')
		await sql`select public.archive_tenant(${id}, ${reason})`.execute(trx);
	else await sql`select public.reactivate_tenant(${id}, ${reason})`.execute(trx);
}
