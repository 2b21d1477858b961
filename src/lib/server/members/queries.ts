/**
 * Members of a tenant and the member RPCs, in the caller's request transaction. RLS decides what
 * is read; the RPCs decide (and audit) every change, so nothing here checks a permission itself.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

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
	isOwner: boolean;
	status: string;
	joinedAt: Date;
	roles: RoleOption[];
}

/** Every member with their tenant-wide roles (project roles live on the project pages), by name. */
export async function listMembers(trx: Transaction<DB>, tenantId: string): Promise<MemberRow[]> {
	const members = await trx
		.selectFrom('memberships as m')
		.leftJoin('profiles as p', 'p.id', 'm.user_id')
		.select([
			'm.user_id as userId',
			'p.email',
			'p.full_name as fullName',
			'm.is_owner as isOwner',
			'm.status',
			'm.created_at as joinedAt'
		])
		.where('m.tenant_id', '=', tenantId)
		.orderBy('m.is_owner', 'desc')
		.orderBy(sql`coalesce(p.full_name, p.email::text)`)
		.execute();
	const assignments = await trx
		.selectFrom('role_assignments as ra')
		.innerJoin('roles as r', 'r.id', 'ra.role_id')
		.select(['ra.user_id as userId', 'r.id', 'r.key', 'r.name', 'r.tenant_id as tenantId'])
		.where('ra.tenant_id', '=', tenantId)
		.where('ra.project_id', 'is', null)
		.orderBy('r.name')
		.execute();
	return members.map((m) => ({
		...m,
		email: m.email ?? '',
		roles: assignments
			.filter((a) => a.userId === m.userId)
			.map((a) => ({ id: a.id, key: a.key, name: a.name, custom: a.tenantId !== null }))
	}));
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
