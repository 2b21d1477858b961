/**
 * Roles and the permission catalog, read and written as the caller under RLS. Nobody can add a
 * permission they do not hold (policy role_permissions_insert_permitted), and nobody but an owner
 * edits a role that grants one they lack or that someone above them holds (trigger
 * guard_role_edit: TN030, TN034). A name another role here or a system role has is TN084
 * (trigger roles_name_free). An edit touches only the codes that change.
 */
import { sql, type Transaction } from 'kysely';
import { roleKey } from '$lib/server/roles/schemas';
import type { DB, RoleScope } from '../platform/database';

export interface Permission {
	code: string;
	module: string;
	group: string;
	label: string;
	description: string;
	projectScoped: boolean;
}

export interface RoleView {
	id: string;
	key: string;
	name: string;
	description: string;
	scope: RoleScope;
	isSystem: boolean;
	permissions: string[];
	/** Members holding it: tenant-wide, or on any project for project roles; owners for 'owner'. */
	holders: number;
}

export interface RoleInput {
	name: string;
	description: string;
	permissions: string[];
}

export function listPermissions(trx: Transaction<DB>): Promise<Permission[]> {
	return trx
		.selectFrom('permissions')
		.select([
			'code',
			'module',
			'group_name as group',
			'label',
			'description',
			'project_scoped as projectScoped'
		])
		.orderBy('group_name')
		.orderBy('code')
		.execute();
}

/** The catalog under the catalogue's own headings (permissions.group_name), for the permission matrix. */
export function groupPermissions(
	permissions: Permission[]
): { name: string; items: Permission[] }[] {
	const groups = new Map<string, Permission[]>();
	for (const p of permissions) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
	return [...groups].map(([name, items]) => ({ name, items }));
}

/** System roles first, then the tenant's custom roles, each with its codes and holder count. */
export async function listRoles(trx: Transaction<DB>, tenantId: string): Promise<RoleView[]> {
	const roles = await trx
		.selectFrom('roles')
		.select(['id', 'key', 'name', 'description', 'scope', 'tenant_id as tenantId'])
		.where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]))
		.orderBy(sql`tenant_id is not null`)
		.orderBy('name')
		.execute();
	const grants = await trx
		.selectFrom('role_permissions')
		.select(['role_id as roleId', 'permission_code as code'])
		.where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]))
		.orderBy('permission_code')
		.execute();
	const holders = await trx
		.selectFrom('role_assignments')
		.select(['role_id as roleId', (eb) => eb.fn.count<string>('user_id').distinct().as('n')])
		.where('tenant_id', '=', tenantId)
		.groupBy('role_id')
		.execute();
	const owners = await trx
		.selectFrom('memberships')
		.select((eb) => eb.fn.countAll<string>().as('n'))
		.where('tenant_id', '=', tenantId)
		.where('is_owner', '=', true)
		.where('status', '=', 'active')
		.executeTakeFirstOrThrow();
	const count = new Map(holders.map((h) => [h.roleId, Number(h.n)]));
	return roles.map((r) => ({
		id: r.id,
		key: r.key,
		name: r.name,
		description: r.description,
		scope: r.scope,
		isSystem: r.tenantId === null,
		permissions: grants.filter((g) => g.roleId === r.id).map((g) => g.code),
		holders: r.key === 'owner' && r.tenantId === null ? Number(owners.n) : (count.get(r.id) ?? 0)
	}));
}

/** A key no role of this tenant or the system uses yet: the name's key, suffixed if needed. */
async function freeKey(trx: Transaction<DB>, tenantId: string, name: string): Promise<string> {
	const base = roleKey(name);
	const taken = new Set(
		(
			await trx
				.selectFrom('roles')
				.select('key')
				.where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]))
				.where('key', 'like', `${base}%`)
				.execute()
		).map((r) => r.key)
	);
	let key = base;
	for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
	return key;
}

export async function createRole(
	trx: Transaction<DB>,
	tenantId: string,
	input: RoleInput & { scope: RoleScope }
): Promise<string> {
	const { id } = await trx
		.insertInto('roles')
		.values({
			tenant_id: tenantId,
			key: await freeKey(trx, tenantId, input.name),
			name: input.name,
			description: input.description,
			scope: input.scope
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	await grant(trx, tenantId, id, input.permissions);
	return id;
}

/** Renames a custom role and applies the difference in permissions; false if RLS hid it. */
export async function updateRole(
	trx: Transaction<DB>,
	tenantId: string,
	roleId: string,
	input: RoleInput
): Promise<boolean> {
	const updated = await trx
		.updateTable('roles')
		.set({ name: input.name, description: input.description })
		.where('id', '=', roleId)
		.where('tenant_id', '=', tenantId)
		.executeTakeFirst();
	if (updated.numUpdatedRows === 0n) return false;
	const current = (
		await trx
			.selectFrom('role_permissions')
			.select('permission_code')
			.where('role_id', '=', roleId)
			.execute()
	).map((r) => r.permission_code);
	const removed = current.filter((code) => !input.permissions.includes(code));
	if (removed.length) {
		await trx
			.deleteFrom('role_permissions')
			.where('role_id', '=', roleId)
			.where('permission_code', 'in', removed)
			.execute();
	}
	await grant(
		trx,
		tenantId,
		roleId,
		input.permissions.filter((code) => !current.includes(code))
	);
	return true;
}

async function grant(trx: Transaction<DB>, tenantId: string, roleId: string, codes: string[]) {
	if (codes.length === 0) return;
	await trx
		.insertInto('role_permissions')
		.values(codes.map((code) => ({ role_id: roleId, permission_code: code, tenant_id: tenantId })))
		.execute();
}

/** Deletes a custom role; false if RLS hid it (or it is a system role). */
export async function deleteRole(
	trx: Transaction<DB>,
	tenantId: string,
	roleId: string
): Promise<boolean> {
	const deleted = await trx
		.deleteFrom('roles')
		.where('id', '=', roleId)
		.where('tenant_id', '=', tenantId)
		.executeTakeFirst();
	return deleted.numDeletedRows > 0n;
}
