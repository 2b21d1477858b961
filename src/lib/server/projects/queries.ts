/**
 * Projects (workspaces), their environments and project members, as the caller under RLS.
 * Project permissions come tenant-wide or from a project role, so a project page asks SQL
 * (private.user_has_project_permission) rather than the tenant-wide list the layout holds.
 */
import { sql, type Transaction } from 'kysely';
import type { DB, EnvironmentKind } from '../platform/database';

export interface ProjectSummary {
	id: string;
	slug: string;
	name: string;
	description: string;
	environments: number;
	createdAt: Date;
}

export interface ProjectInput {
	name: string;
	slug: string;
	description: string;
}

export interface EnvironmentView {
	id: string;
	kind: EnvironmentKind;
	name: string;
}

export interface ProjectMember {
	userId: string;
	email: string;
	fullName: string | null;
	roleId: string;
	roleName: string;
}

/** The project codes a project page shows or hides controls by. */
export const PROJECT_CODES = [
	'projects.update',
	'projects.delete',
	'projects.members.manage',
	'environments.manage'
] as const;
export type ProjectCode = (typeof PROJECT_CODES)[number];

export async function listProjects(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ProjectSummary[]> {
	const rows = await trx
		.selectFrom('projects as p')
		.leftJoin('environments as e', 'e.project_id', 'p.id')
		.select([
			'p.id',
			'p.slug',
			'p.name',
			'p.description',
			'p.created_at as createdAt',
			(eb) => eb.fn.count<string>('e.id').as('environments')
		])
		.where('p.tenant_id', '=', tenantId)
		.groupBy('p.id')
		.orderBy('p.name')
		.execute();
	return rows.map((r) => ({ ...r, environments: Number(r.environments) }));
}

export async function createProject(
	trx: Transaction<DB>,
	tenantId: string,
	input: ProjectInput
): Promise<void> {
	await trx
		.insertInto('projects')
		.values({ tenant_id: tenantId, ...input })
		.execute();
}

export function findProject(
	trx: Transaction<DB>,
	tenantId: string,
	slug: string
): Promise<Omit<ProjectSummary, 'environments'> | undefined> {
	return trx
		.selectFrom('projects')
		.select(['id', 'slug', 'name', 'description', 'created_at as createdAt'])
		.where('tenant_id', '=', tenantId)
		.where('slug', '=', slug)
		.executeTakeFirst();
}

/** Which of PROJECT_CODES the caller holds on this project, tenant-wide or by a project role. */
export async function projectPermissions(
	trx: Transaction<DB>,
	projectId: string
): Promise<ProjectCode[]> {
	const { rows } = await sql<{ code: ProjectCode }>`
		select code from unnest(${[...PROJECT_CODES]}::text[]) code
		where private.user_has_project_permission(code, ${projectId}::uuid)`.execute(trx);
	return rows.map((r) => r.code);
}

export async function updateProject(
	trx: Transaction<DB>,
	projectId: string,
	input: ProjectInput
): Promise<boolean> {
	const result = await trx
		.updateTable('projects')
		.set(input)
		.where('id', '=', projectId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function deleteProject(trx: Transaction<DB>, projectId: string): Promise<boolean> {
	const result = await trx.deleteFrom('projects').where('id', '=', projectId).executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export function listEnvironments(
	trx: Transaction<DB>,
	projectId: string
): Promise<EnvironmentView[]> {
	return trx
		.selectFrom('environments')
		.select(['id', 'kind', 'name'])
		.where('project_id', '=', projectId)
		.orderBy(
			sql`array_position(array['development','staging','production']::public.environment_kind[], kind)`
		)
		.orderBy('name')
		.execute();
}

export async function createEnvironment(
	trx: Transaction<DB>,
	project: { id: string; tenantId: string },
	input: { name: string; kind: EnvironmentKind }
): Promise<void> {
	await trx
		.insertInto('environments')
		.values({ tenant_id: project.tenantId, project_id: project.id, ...input })
		.execute();
}

export async function renameEnvironment(
	trx: Transaction<DB>,
	projectId: string,
	environmentId: string,
	name: string
): Promise<boolean> {
	const result = await trx
		.updateTable('environments')
		.set({ name })
		.where('id', '=', environmentId)
		.where('project_id', '=', projectId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function deleteEnvironment(
	trx: Transaction<DB>,
	projectId: string,
	environmentId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('environments')
		.where('id', '=', environmentId)
		.where('project_id', '=', projectId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** Members with a role on this project (the tenant-wide roles that also reach it are not listed). */
export function listProjectMembers(
	trx: Transaction<DB>,
	projectId: string
): Promise<ProjectMember[]> {
	return trx
		.selectFrom('role_assignments as ra')
		.innerJoin('profiles as p', 'p.id', 'ra.user_id')
		.innerJoin('roles as r', 'r.id', 'ra.role_id')
		.select([
			'ra.user_id as userId',
			'p.email',
			'p.full_name as fullName',
			'r.id as roleId',
			'r.name as roleName'
		])
		.where('ra.project_id', '=', projectId)
		.orderBy('p.email')
		.execute();
}

/** The tenant's active members, for the "add a project member" picker. */
export function listTenantMembers(
	trx: Transaction<DB>,
	tenantId: string
): Promise<{ userId: string; email: string; fullName: string | null }[]> {
	return trx
		.selectFrom('memberships as m')
		.innerJoin('profiles as p', 'p.id', 'm.user_id')
		.select(['m.user_id as userId', 'p.email', 'p.full_name as fullName'])
		.where('m.tenant_id', '=', tenantId)
		.where('m.status', '=', 'active')
		.orderBy('p.email')
		.execute();
}

/** Project-scoped roles usable here: the system ones and the tenant's custom project roles. */
export function listProjectRoles(
	trx: Transaction<DB>,
	tenantId: string
): Promise<{ id: string; name: string }[]> {
	return trx
		.selectFrom('roles')
		.select(['id', 'name'])
		.where('scope', '=', 'project')
		.where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', tenantId)]))
		.orderBy(sql`tenant_id is not null`)
		.orderBy('name')
		.execute();
}

/** Gives (or with null removes) a member's role on a project: public.set_project_role. */
export async function setProjectRole(
	trx: Transaction<DB>,
	projectId: string,
	userId: string,
	roleId: string | null
): Promise<void> {
	await sql`select public.set_project_role(${projectId}::uuid, ${userId}::uuid, ${roleId}::uuid)`.execute(
		trx
	);
}
