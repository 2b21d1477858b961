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
 * The tenant-wide roles the caller may hand out: owners any (the owner role included), everyone
 * else only roles whose every permission they hold themselves — the rule the RPCs enforce (TN030,
 * TN033), applied here only to keep impossible choices out of the list.
 */
export async function grantableRoles(
	trx: Transaction<DB>,
	tenantId: string,
	permissions: readonly string[],
	isOwner: boolean
): Promise<RoleOption[]> {
	const roles = await trx
		.selectFrom('roles')
		.select(['id', 'key', 'name', 'tenant_id as tenantId'])
		.where('scope', '=', 'tenant')
		.where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]))
		.orderBy(sql`tenant_id is not null`)
		.orderBy('name')
		.execute();
	const codes = await trx
		.selectFrom('role_permissions')
		.select(['role_id as roleId', 'permission_code as code'])
		.where(
			'role_id',
			'in',
			roles.length ? roles.map((r) => r.id) : ['00000000-0000-0000-0000-000000000000']
		)
		.execute();
	const held = new Set(permissions);
	return roles
		.filter((r) => {
			if (isOwner) return true;
			if (r.key === 'owner' && r.tenantId === null) return false;
			return codes.every((c) => c.roleId !== r.id || held.has(c.code));
		})
		.map((r) => ({ id: r.id, key: r.key, name: r.name, custom: r.tenantId !== null }));
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
