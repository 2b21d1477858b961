/** Projects and their environments (projects/queries.ts; RLS and the project triggers decide). */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { ENVIRONMENT_KINDS } from '../../../options';
import type { DB } from '../../platform/database';
import {
	createEnvironment,
	createProject,
	deleteEnvironment,
	deleteProject,
	listEnvironments,
	listProjects,
	renameEnvironment,
	updateProject,
	type ProjectSummary
} from '../../projects/queries';
import { createEnvironmentSchema, projectSchema as projectInput } from '../../projects/schemas';
import { endpoint } from '../endpoint';
import { forbidden, iso, listEndpoint, lockRow, notFound, timestamp, uuid } from './shared';

export const projectSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		description: z.string(),
		environments: z.int().meta({ description: 'How many environments it has.' }),
		created_at: timestamp
	})
	.meta({ id: 'Project' });

export const environmentSchema = z
	.object({ id: z.uuid(), kind: z.enum(ENVIRONMENT_KINDS), name: z.string() })
	.meta({ id: 'Environment' });

function projectJson(p: ProjectSummary): z.infer<typeof projectSchema> {
	return {
		id: p.id,
		slug: p.slug,
		name: p.name,
		description: p.description,
		environments: p.environments,
		created_at: iso(p.createdAt)
	};
}

async function project(
	trx: Transaction<DB>,
	tenantId: string,
	match: (p: ProjectSummary) => boolean
) {
	const found = (await listProjects(trx, tenantId)).find(match);
	return found ? projectJson(found) : notFound('project');
}

const projectParams = z.object({ project: uuid('project') });
const environmentParams = z.object({ project: uuid('project'), environment: uuid('environment') });
const shape = projectInput.shape;

export const listProjectsEndpoint = listEndpoint(
	{
		path: '/projects',
		operationId: 'listProjects',
		summary: 'Projects',
		tag: 'Projects',
		item: projectSchema,
		pageId: 'ProjectPage'
	},
	async ({ trx, tenant }) => (await listProjects(trx, tenant.id)).map(projectJson),
	(p) => p.id
);

export const createProjectEndpoint = endpoint(
	{
		method: 'POST',
		path: '/projects',
		operationId: 'createProject',
		summary: 'Create a project (projects.create; the plan’s project limit applies)',
		tag: 'Projects',
		body: projectInput.strict().meta({ id: 'ProjectInput' }),
		response: projectSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		await createProject(trx, tenant.id, body);
		return project(trx, tenant.id, (p) => p.slug === body.slug);
	}
);

export const getProject = endpoint(
	{
		method: 'GET',
		path: '/projects/{project}',
		operationId: 'getProject',
		summary: 'One project',
		tag: 'Projects',
		params: projectParams,
		response: projectSchema,
		etag: true
	},
	async ({ trx, tenant, params }) => project(trx, tenant.id, (p) => p.id === params.project)
);

export const updateProjectEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/projects/{project}',
		operationId: 'updateProject',
		summary: 'Change a project’s name, address or description (projects.update)',
		description: 'If-Match with the project’s ETag refuses (412) a change made meanwhile.',
		tag: 'Projects',
		params: projectParams,
		body: z
			.object({
				name: shape.name.optional(),
				slug: shape.slug.optional(),
				description: shape.description.unwrap().optional()
			})
			.strict()
			.meta({ id: 'ProjectPatch' }),
		response: projectSchema,
		etag: true
	},
	async ({ trx, tenant, params, body, precondition }) => {
		await lockRow(trx, 'projects', params.project);
		const current = await project(trx, tenant.id, (p) => p.id === params.project);
		precondition(current);
		const changed = await updateProject(trx, params.project, {
			name: body.name ?? current.name,
			slug: body.slug ?? current.slug,
			description: body.description ?? current.description
		});
		if (!changed) forbidden('projects.update');
		return project(trx, tenant.id, (p) => p.id === params.project);
	}
);

export const deleteProjectEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/projects/{project}',
		operationId: 'deleteProject',
		summary: 'Delete a project and its environments (projects.delete)',
		tag: 'Projects',
		params: projectParams
	},
	async ({ trx, tenant, params }) => {
		await project(trx, tenant.id, (p) => p.id === params.project);
		if (!(await deleteProject(trx, params.project))) {
			forbidden('projects.delete');
		}
	}
);

export const listEnvironmentsEndpoint = listEndpoint(
	{
		path: '/projects/{project}/environments',
		operationId: 'listEnvironments',
		summary: 'A project’s environments',
		tag: 'Projects',
		params: projectParams,
		item: environmentSchema,
		pageId: 'EnvironmentPage'
	},
	async ({ trx, tenant, params }) => {
		await project(trx, tenant.id, (p) => p.id === params.project);
		return await listEnvironments(trx, params.project);
	},
	(e) => e.id
);

export const createEnvironmentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/projects/{project}/environments',
		operationId: 'createEnvironment',
		summary: 'Add an environment (environments.manage)',
		tag: 'Projects',
		params: projectParams,
		body: createEnvironmentSchema.strict().meta({ id: 'EnvironmentInput' }),
		response: environmentSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		await project(trx, tenant.id, (p) => p.id === params.project);
		await createEnvironment(trx, { id: params.project, tenantId: tenant.id }, body);
		const created = (await listEnvironments(trx, params.project)).find(
			(e) => e.name.toLowerCase() === body.name.toLowerCase()
		);
		return created ?? notFound('environment');
	}
);

export const renameEnvironmentEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/projects/{project}/environments/{environment}',
		operationId: 'renameEnvironment',
		summary: 'Rename an environment (environments.manage)',
		tag: 'Projects',
		params: environmentParams,
		body: createEnvironmentSchema.pick({ name: true }).strict().meta({ id: 'EnvironmentPatch' }),
		response: environmentSchema
	},
	async ({ trx, params, body }) => {
		if (!(await renameEnvironment(trx, params.project, params.environment, body.name))) {
			notFound('environment');
		}
		const renamed = (await listEnvironments(trx, params.project)).find(
			(e) => e.id === params.environment
		);
		return renamed ?? notFound('environment');
	}
);

export const deleteEnvironmentEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/projects/{project}/environments/{environment}',
		operationId: 'deleteEnvironment',
		summary: 'Delete an environment (environments.manage)',
		tag: 'Projects',
		params: environmentParams
	},
	async ({ trx, params }) => {
		if (!(await deleteEnvironment(trx, params.project, params.environment))) {
			notFound('environment');
		}
	}
);
