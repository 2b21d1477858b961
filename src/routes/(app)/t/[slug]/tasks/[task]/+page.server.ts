import { error, fail } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { DB } from '$lib/server/platform/database';
import type { TenantDetail } from '$lib/server/tenancy/tenants';
import { withClaims } from '$lib/server/platform/db';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import {
	inTransaction,
	refused,
	requireClaims,
	type Submitted
} from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { listProjects } from '$lib/server/projects/queries';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { BodyTooLargeError, readFormDataCapped } from '$lib/server/platform/web/body';
import { UploadRefused } from '$lib/server/storage/service';
import { taskActivity } from '$lib/server/tasks/activity';
import {
	TASK_UPLOAD_BODY_MAX_BYTES,
	attachTaskFile,
	deleteTaskFile,
	listTaskFiles
} from '$lib/server/tasks/attachments';
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
	attachmentIdSchema,
	commentIdSchema,
	commentSchema,
	taskIdSchema,
	updateTaskSchema
} from '$lib/server/tasks/schemas';
import { tenantAction, tenantOf } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const NO_VALUES: Record<string, string> = {};
const fileError = (message: string): Record<string, string[]> => ({ file: [message] });

export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tasks.read')) error(403, 'You do not have permission to see tasks.');
	if (!taskIdSchema.safeParse(params.task).success) error(404, 'Not found');
	const claims = requireClaims(locals);
	const { config } = await ensureRuntime();
	const found = await withClaims(claims, async (trx) => {
		const task = await getTask(trx, tenant.id, params.task);
		if (!task) return null;
		return {
			task,
			comments: await listComments(trx, tenant.id, task.id),
			files: await listTaskFiles(trx, config, tenant.id, task.id),
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

	/**
	 * A file for the task: the permission is checked before the body is read, the body read with
	 * a cap (an oversized upload is refused unbuffered), then stored in one transaction as the
	 * person (the storage policies decide; its kind proven by its bytes).
	 */
	attach: async (event) => {
		if (!taskIdSchema.safeParse(event.params.task).success) error(404, 'Not found');
		const claims = requireClaims(event.locals);
		const { tenant, task } = await withClaims(claims, async (trx) => {
			const tenant = await tenantOf(trx, event.params.slug);
			return { tenant, task: await getTask(trx, tenant.id, event.params.task) };
		});
		if (!task) error(404, 'Not found');
		let data: FormData;
		try {
			data = await readFormDataCapped(event.request, TASK_UPLOAD_BODY_MAX_BYTES);
		} catch (e) {
			if (!(e instanceof BodyTooLargeError)) throw e;
			return fail(413, {
				errors: fileError('The file is too large: attach one of at most 10 MB.'),
				values: NO_VALUES
			});
		}
		const file = data.get('file');
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, { errors: fileError('Choose a file to attach.'), values: NO_VALUES });
		}
		const { config } = await ensureRuntime();
		const result = await inTransaction(claims, {}, async (trx) => {
			await attachTaskFile(trx, config, tenant.id, task.id, file);
			return { ok: `${file.name} attached.` };
		}).catch((e: unknown) => {
			if (e instanceof UploadRefused)
				return fail(e.status, { errors: fileError(e.message), values: NO_VALUES });
			throw e;
		});
		if (!refused(result)) wakeBoard(task.teamId);
		return result;
	},

	deleteAttachment: (event) =>
		taskWrite(event, attachmentIdSchema, async (trx, tenant, { input, values }) =>
			(await deleteTaskFile(trx, tenant.id, input.attachmentId))
				? { ok: 'File deleted.' }
				: formError(404, 'No such file, or you may not delete it (tasks.write).', values)
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
