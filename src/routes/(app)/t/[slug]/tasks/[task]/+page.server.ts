import { error } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { DB } from '$lib/server/platform/database';
import type { TenantDetail } from '$lib/server/tenancy/tenants';
import { withClaims } from '$lib/server/platform/db';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import { refused, requireClaims, type Submitted } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { listProjects } from '$lib/server/projects/queries';
import { taskActivity } from '$lib/server/tasks/activity';
import { wakeBoard } from '$lib/server/tasks/live';
import {
	addComment,
	deleteComment,
	deleteTask,
	getTask,
	listAssignable,
	listComments,
	listLabels,
	setAssignees,
	setLabels,
	updateTask,
	type TaskDetail
} from '$lib/server/tasks/queries';
import {
	commentIdSchema,
	commentSchema,
	taskIdSchema,
	updateTaskSchema
} from '$lib/server/tasks/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tasks.read')) error(403, 'You do not have permission to see tasks.');
	if (!taskIdSchema.safeParse(params.task).success) error(404, 'Not found');
	const claims = requireClaims(locals);
	const found = await withClaims(claims, async (trx) => {
		const task = await getTask(trx, tenant.id, params.task);
		if (!task) return null;
		return {
			task,
			comments: await listComments(trx, tenant.id, task.id),
			activity: await taskActivity(trx, task.id),
			people: await listAssignable(trx, tenant.id),
			labels: await listLabels(trx, tenant.id, task.teamId),
			projects: can(permissions, 'projects.read')
				? (await listProjects(trx, tenant.id)).map((p) => ({ id: p.id, name: p.name }))
				: [],
			me: claims.sub,
			crumb: task.title
		};
	});
	if (!found) error(404, 'Not found');
	return found;
};

/**
 * A write to the task as the person (tenantAction: one transaction); `write` answers the task's
 * team, whose board viewers reload once it has committed.
 */
async function taskWrite<S extends z.ZodType, T extends object>(
	event: RequestEvent,
	schema: S | null,
	write: (
		trx: Transaction<DB>,
		tenant: TenantDetail,
		form: Submitted<z.output<S>>,
		task: TaskDetail
	) => Promise<T>
) {
	if (!taskIdSchema.safeParse(event.params.task).success) error(404, 'Not found');
	let team: string | null = null;
	const result = await tenantAction(event, schema, async (trx, tenant, form) => {
		const task = await getTask(trx, tenant.id, event.params.task);
		if (!task) return formError(404, 'No such task, or you may not see it.', form.values);
		team = task.teamId;
		return write(trx, tenant, form, task);
	});
	if (team && !refused(result)) wakeBoard(team);
	return result;
}

export const actions: Actions = {
	update: (event) =>
		taskWrite(event, updateTaskSchema, async (trx, tenant, { input, values }, task) => {
			const changed = await updateTask(trx, tenant.id, task.id, {
				title: input.title,
				description: input.description,
				priority: input.priority,
				dueOn: input.dueOn,
				projectId: input.project ?? null
			});
			if (!changed) return formError(403, 'You may not change tasks (tasks.write).', values);
			await setAssignees(trx, tenant.id, task.id, input.assignees);
			await setLabels(trx, tenant.id, task.id, input.labels);
			return { ok: 'Task saved.' };
		}),

	comment: (event) =>
		taskWrite(event, commentSchema, async (trx, tenant, { input }, task) => {
			await addComment(trx, tenant.id, task.id, input.body, input.parent);
			return { ok: input.parent ? 'Reply posted.' : 'Comment posted.' };
		}),

	deleteComment: (event) =>
		taskWrite(event, commentIdSchema, async (trx, tenant, { input, values }, task) =>
			(await deleteComment(trx, tenant.id, task.id, input.comment))
				? { ok: 'Comment deleted.' }
				: formError(404, 'Only its author or a task manager deletes a comment.', values)
		),

	delete: async (event) => {
		const result = await taskWrite(event, null, async (trx, tenant, { values }, task) =>
			(await deleteTask(trx, tenant.id, task.id))
				? { deleted: true }
				: formError(403, 'You may not delete tasks (tasks.manage).', values)
		);
		if ('deleted' in result) {
			redirectWithToast(event.cookies, `/t/${event.params.slug}/tasks`, 'Task deleted.');
		}
		return result;
	}
};
