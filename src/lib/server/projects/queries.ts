/**
 * Projects (workspaces), their environments and project members, as the caller under RLS.
 * Project permissions come tenant-wide or from a project role, so a project page asks SQL
 * (private.user_has_project_permission) rather than the tenant-wide list the layout holds.
 */
import { sql, type Transaction } from 'kysely';
import type { DB, EnvironmentKind } from '../platform/database';
import { defineList, listPage, readList, type ListPage } from '../platform/list';

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

/** The projects list: search by name, address or description; sort by name, address, environments or age. */
export const PROJECT_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		slug: { column: 'slug', type: 'text' },
		environments: { column: 'environments', type: 'bigint' },
		created: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'slug', 'description'],
	id: { column: 'id', type: 'uuid' }
});

function projectsQuery(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('projects as p')
		.select([
			'p.id',
			'p.slug',
			'p.name',
			'p.description',
			'p.created_at as createdAt',
			(eb) =>
				eb
					.selectFrom('environments as e')
					.select((e) => e.fn.countAll<number>().as('n'))
					.whereRef('e.project_id', '=', 'p.id')
					.as('environments')
		])
		.where('p.tenant_id', '=', tenantId);
}

function projectSummary<R extends { environments: unknown }>(row: R): ProjectSummary {
	return { ...row, environments: Number(row.environments) } as unknown as ProjectSummary;
}

/** One page of the tenant's projects with their environment counts, as the URL asks (one query). */
export async function pageProjects(
	trx: Transaction<DB>,
	tenantId: string,
	search: URLSearchParams
): Promise<ListPage<ProjectSummary>> {
	const page = await listPage(
		trx,
		projectsQuery(trx, tenantId),
		PROJECT_LIST,
		readList(search, PROJECT_LIST)
	);
	return { ...page, rows: page.rows.map(projectSummary) };
}

/** Every project of the tenant, by name (the REST API pages it itself). */
export async function listProjects(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ProjectSummary[]> {
	const rows = await projectsQuery(trx, tenantId).orderBy('p.name').execute();
	return rows.map(projectSummary);
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

/** A project's environments: development, staging, production first (`stage`), then by name. */
export const ENVIRONMENT_LIST = defineList({
	prefix: 'env',
	sorts: {
		stage: { column: 'stage', type: 'integer' },
		name: { column: 'name', type: 'text' }
	},
	defaultSort: 'stage',
	defaultDir: 'asc',
	search: ['name', 'kind'],
	id: { column: 'id', type: 'uuid' },
	limit: 50
});

function environmentsQuery(trx: Transaction<DB>, projectId: string) {
	return trx
		.selectFrom('environments')
		.select([
			'id',
			'kind',
			'name',
			sql<number>`array_position(array['development','staging','production']::public.environment_kind[], kind)`.as(
				'stage'
			)
		])
		.where('project_id', '=', projectId);
}

export async function pageEnvironments(
	trx: Transaction<DB>,
	projectId: string,
	search: URLSearchParams
): Promise<ListPage<EnvironmentView>> {
	return listPage(
		trx,
		environmentsQuery(trx, projectId),
		ENVIRONMENT_LIST,
		readList(search, ENVIRONMENT_LIST)
	);
}

/** Every environment of the project, development → production (the REST API pages it itself). */
export async function listEnvironments(
	trx: Transaction<DB>,
	projectId: string
): Promise<EnvironmentView[]> {
	const rows = await environmentsQuery(trx, projectId).orderBy('stage').orderBy('name').execute();
	return rows.map(({ id, kind, name }) => ({ id, kind, name }));
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

/** An environment of this project, to name it in a confirmation (RLS: the caller can read it). */
export function findEnvironment(
	trx: Transaction<DB>,
	projectId: string,
	environmentId: string
): Promise<EnvironmentView | undefined> {
	return trx
		.selectFrom('environments')
		.select(['id', 'kind', 'name'])
		.where('id', '=', environmentId)
		.where('project_id', '=', projectId)
		.executeTakeFirst();
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

/**
 * People with a role on a project (the tenant-wide roles that also reach it are not listed):
 * search by name, email or role; sort by person or role.
 */
export const PROJECT_MEMBER_LIST = defineList({
	prefix: 'pm',
	sorts: {
		email: { column: 'email', type: 'text' },
		role: { column: 'roleName', type: 'text' }
	},
	defaultSort: 'email',
	defaultDir: 'asc',
	search: ['email', 'fullName', 'roleName'],
	id: { column: 'userId', type: 'uuid' }
});

function projectMembersQuery(trx: Transaction<DB>, projectId: string) {
	return trx
		.selectFrom('role_assignments as ra')
		.innerJoin('profiles as p', 'p.id', 'ra.user_id')
		.innerJoin('roles as r', 'r.id', 'ra.role_id')
		.select([
			'ra.user_id as userId',
			sql<string>`p.email::text`.as('email'),
			'p.full_name as fullName',
			'r.id as roleId',
			'r.name as roleName'
		])
		.where('ra.project_id', '=', projectId);
}

export function pageProjectMembers(
	trx: Transaction<DB>,
	projectId: string,
	search: URLSearchParams
): Promise<ListPage<ProjectMember>> {
	return listPage(
		trx,
		projectMembersQuery(trx, projectId),
		PROJECT_MEMBER_LIST,
		readList(search, PROJECT_MEMBER_LIST)
	);
}

/** Every member of the project, by address. */
export function listProjectMembers(
	trx: Transaction<DB>,
	projectId: string
): Promise<ProjectMember[]> {
	return projectMembersQuery(trx, projectId).orderBy('email').execute();
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
