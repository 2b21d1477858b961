/**
 * Members of a tenant and the member RPCs, in the caller's request transaction. RLS decides what
 * is read; the RPCs decide (and audit) every change, so nothing here checks a permission itself.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';

export interface RoleOption {
	id: string;
	key: string;
	name: string;
	custom: boolean;
}

export interface MemberRow {
	userId: string;
	email: string;
	fullName: string | null;
	/** The full name, or the email for someone without one. */
	name: string;
	isOwner: boolean;
	status: string;
	joinedAt: Date;
	roles: RoleOption[];
}

/** The members list: search by name and email, sort by name or when they joined. */
export const MEMBER_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		joined: { column: 'joinedAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'email'],
	id: { column: 'userId', type: 'uuid' }
});

function membersOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('memberships as m')
		.leftJoin('profiles as p', 'p.id', 'm.user_id')
		.select([
			'm.user_id as userId',
			sql<string>`coalesce(p.email::text, '')`.as('email'),
			'p.full_name as fullName',
			sql<string>`coalesce(p.full_name, p.email::text, '')`.as('name'),
			'm.is_owner as isOwner',
			'm.status',
			'm.created_at as joinedAt'
		])
		.where('m.tenant_id', '=', tenantId);
}

/** The members' tenant-wide roles (project roles live on the project pages), by name. */
async function withRoles<M extends { userId: string }>(
	trx: Transaction<DB>,
	tenantId: string,
	members: M[]
): Promise<(M & { roles: RoleOption[] })[]> {
	if (members.length === 0) return [];
	const assignments = await trx
		.selectFrom('role_assignments as ra')
		.innerJoin('roles as r', 'r.id', 'ra.role_id')
		.select(['ra.user_id as userId', 'r.id', 'r.key', 'r.name', 'r.tenant_id as tenantId'])
		.where('ra.tenant_id', '=', tenantId)
		.where('ra.project_id', 'is', null)
		.where(
			'ra.user_id',
			'in',
			members.map((m) => m.userId)
		)
		.orderBy('r.name')
		.execute();
	return members.map((m) => ({
		...m,
		roles: assignments
			.filter((a) => a.userId === m.userId)
			.map((a) => ({ id: a.id, key: a.key, name: a.name, custom: a.tenantId !== null }))
	}));
}

/** Every member with their tenant-wide roles, owners first, then by name. */
export async function listMembers(trx: Transaction<DB>, tenantId: string): Promise<MemberRow[]> {
	const members = await membersOf(trx, tenantId)
		.orderBy('m.is_owner', 'desc')
		.orderBy(sql`coalesce(p.full_name, p.email::text)`)
		.execute();
	return withRoles(trx, tenantId, members);
}

/** One page of the members list as `params` (readList) asks, with their roles. */
export async function pageMembers(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<MemberRow>> {
	const page = await listPage(trx, membersOf(trx, tenantId), MEMBER_LIST, params);
	return { ...page, rows: await withRoles(trx, tenantId, page.rows) };
}

/** The name (or email) of each of `userIds` who is a member, for sentences about them. */
export async function memberLabels(
	trx: Transaction<DB>,
	tenantId: string,
	userIds: string[]
): Promise<Map<string, string>> {
	const rows = await membersOf(trx, tenantId).where('m.user_id', 'in', userIds).execute();
	return new Map(rows.map((r) => [r.userId, r.name]));
}

/** How many owners the tenant has and whether `userId` is one (the page hides what SQL would refuse). */
export async function ownership(
	trx: Transaction<DB>,
	tenantId: string,
	userId: string
): Promise<{ owners: number; isOwner: boolean }> {
	const owners = await trx
		.selectFrom('memberships')
		.select('user_id')
		.where('tenant_id', '=', tenantId)
		.where('is_owner', '=', true)
		.execute();
	return { owners: owners.length, isOwner: owners.some((o) => o.user_id === userId) };
}

/**
 * The tenant-wide roles the caller may hand out, as SQL answers it (public.grantable_roles: owners
 * any, the owner role included; others only roles whose every permission they hold — the rule of
 * TN030 / TN033; none for a caller who may neither invite nor manage members).
 */
export async function grantableRoles(
	trx: Transaction<DB>,
	tenantId: string
): Promise<RoleOption[]> {
	const { rows } = await sql<RoleOption>`
		select id, key, name, custom from public.grantable_roles(${tenantId}::uuid)`.execute(trx);
	return rows;
}

export async function changeMemberRole(
	trx: Transaction<DB>,
	tenantId: string,
	userId: string,
	roleId: string
): Promise<void> {
	await sql`select public.change_member_role(${tenantId}, ${userId}, ${roleId})`.execute(trx);
}

export async function removeMember(
	trx: Transaction<DB>,
	tenantId: string,
	userId: string
): Promise<void> {
	await sql`select public.remove_member(${tenantId}, ${userId})`.execute(trx);
}

export async function transferOwnership(
	trx: Transaction<DB>,
	tenantId: string,
	newOwnerId: string
): Promise<void> {
	await sql`select public.transfer_ownership(${tenantId}, ${newOwnerId})`.execute(trx);
}

export async function leaveTenant(trx: Transaction<DB>, tenantId: string): Promise<void> {
	await sql`select public.leave_tenant(${tenantId})`.execute(trx);
}
