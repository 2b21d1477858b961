import { error } from '@sveltejs/kit';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import {
	createEnvironmentSchema,
	deleteProjectSchema,
	environmentIdSchema,
	projectMemberSchema,
	projectSchema,
	renameEnvironmentSchema
} from '$lib/server/projects/schemas';
import { withClaims } from '$lib/server/platform/db';
import type { DB } from '$lib/server/platform/database';
import {
	createEnvironment,
	deleteEnvironment,
	deleteProject,
	findEnvironment,
	findProject,
	pageEnvironments,
	pageProjectMembers,
	listProjectRoles,
	listTenantMembers,
	projectPermissions,
	renameEnvironment,
	setProjectRole,
	updateProject
} from '$lib/server/projects/queries';
import { tenantAction } from '$lib/server/tenancy/actions';
import { formError, typedNameMatches } from '$lib/server/platform/web/forms';
import { TYPED_NAME_MISMATCH } from '$lib/server/platform/errors';
import { requireClaims } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The project, its environments and members (two lists, each one query, paged through the URL). */
export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant } = await parent();
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const project = await findProject(trx, tenant.id, params.project);
		if (!project) return null;
		const allowed = await projectPermissions(trx, project.id);
		return {
			project,
			allowed,
			environments: await pageEnvironments(trx, project.id, url.searchParams),
			members: await pageProjectMembers(trx, project.id, url.searchParams),
			candidates: allowed.includes('projects.members.manage')
				? await listTenantMembers(trx, tenant.id)
				: [],
			projectRoles: await listProjectRoles(trx, tenant.id)
		};
	});
	if (!found) error(404, 'No such project.');
	return { ...found, me: locals.claims?.sub ?? '', crumb: found.project.name };
};

type Project = { id: string; tenantId: string; slug: string; name: string };

/**
 * Parses the form and runs the write on this project as the caller, in one transaction. Refusals
 * come back with the values kept and the form named (`intent`), so the page shows them in place:
 * `false` from the write is a permission refusal, a string is the sentence of another one.
 */
function act<S extends z.ZodType>(
	event: RequestEvent,
	schema: S,
	done: string,
	run: (
		trx: Transaction<DB>,
		project: Project,
		data: z.output<S>,
		values: Record<string, string>
	) => Promise<boolean | string | void>
) {
	return tenantAction(
		event,
		schema,
		async (trx, tenant, { input, values }) => {
			const project = await findProject(trx, tenant.id, event.params.project);
			if (!project) error(404, 'No such project.');
			const allowed = await run(
				trx,
				{ id: project.id, tenantId: tenant.id, slug: project.slug, name: project.name },
				input,
				values
			);
			if (allowed === false)
				return formError(403, 'You do not have permission to do that.', values);
			if (typeof allowed === 'string') return formError(400, allowed, values);
			return { ok: done, values };
		},
		{ explain: 'projects' }
	);
}

export const actions: Actions = {
	addEnvironment: (event) =>
		act(event, createEnvironmentSchema, 'Environment added.', (trx, project, data) =>
			createEnvironment(trx, project, data)
		),
	renameEnvironment: (event) =>
		act(event, renameEnvironmentSchema, 'Environment renamed.', (trx, project, data) =>
			renameEnvironment(trx, project.id, data.environmentId, data.name)
		),
	/** A Production environment goes only with its name typed (ConfirmAction's confirm_name). */
	deleteEnvironment: (event) =>
		act(event, environmentIdSchema, 'Environment deleted.', async (trx, project, data, values) => {
			const env = await findEnvironment(trx, project.id, data.environmentId);
			if (env?.kind === 'production' && !typedNameMatches(values.confirm_name, env.name)) {
				return TYPED_NAME_MISMATCH;
			}
			return deleteEnvironment(trx, project.id, data.environmentId);
		}),
	setMember: (event) =>
		act(event, projectMemberSchema, 'Project members updated.', (trx, project, data) =>
			setProjectRole(trx, project.id, data.userId, data.roleId)
		),
	update: async (event) => {
		const result = await act(event, projectSchema, 'Project saved.', (trx, project, data) =>
			updateProject(trx, project.id, data)
		);
		const slug = 'ok' in result ? result.values.slug?.trim().toLowerCase() : undefined;
		if (slug && slug !== event.params.project) {
			redirectWithToast(
				event.cookies,
				`/t/${event.params.slug}/projects/${slug}`,
				'Project saved.'
			);
		}
		return result;
	},
	/** Deleting a project takes its name typed (ConfirmAction's confirm_name), checked here too. */
	delete: async (event) => {
		const result = await act(
			event,
			deleteProjectSchema,
			'Project deleted.',
			(trx, project, _data, values) =>
				typedNameMatches(values.confirm_name, project.name)
					? deleteProject(trx, project.id)
					: Promise.resolve(TYPED_NAME_MISMATCH)
		);
		if ('ok' in result)
			redirectWithToast(event.cookies, `/t/${event.params.slug}/projects`, result.ok);
		return result;
	}
};
