/**
 * Tasks on the teams' boards (tasks.read reads; tasks.write creates, edits, moves, comments and
 * attaches files; tasks.manage deletes), their comments, files and activity, through
 * tasks/queries.ts and tasks/attachments.ts.
 */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { TASK_PRIORITIES } from '../../../tasks/constants';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import { UploadRefused } from '../../storage/service';
import { taskActivity } from '../../tasks/activity';
import {
	attachTaskFile,
	deleteTaskFile,
	listTaskFiles,
	TASK_UPLOAD_BODY_MAX_BYTES
} from '../../tasks/attachments';
import {
	addComment,
	createTask,
	deleteTask,
	getTask,
	listComments,
	listTasks,
	moveTask,
	setAssignees,
	setLabels,
	updateTask,
	type TaskCard,
	type TaskComment
} from '../../tasks/queries';
import { taskFilterSchema } from '../../tasks/schemas';
import { endpoint } from '../endpoint';
import { pageOf, pageQuery, paginate } from '../paging';
import { ApiProblem } from '../problem';
import { forbidden, iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const priority = z.enum(TASK_PRIORITIES);
const day = z.iso.date();
const positionKey = z
	.string()
	.regex(/^[0-9A-Za-z]*[1-9A-Za-z]$/, { error: 'Use a position key the API gave (base-62).' })
	.max(500);

export const taskSchema = z
	.object({
		id: z.uuid(),
		team_id: z.uuid(),
		column_id: z.uuid(),
		column: z.string(),
		done: z.boolean().meta({ description: 'Its column is a done column.' }),
		position: z.string().meta({ description: 'Fractional key: bytewise order within the column.' }),
		title: z.string(),
		description: z.string().meta({ description: 'Markdown.' }),
		priority,
		due_on: day.nullable(),
		project_id: z.uuid().nullable(),
		assignees: z.array(z.object({ user_id: z.uuid(), name: z.string() })),
		labels: z.array(z.object({ id: z.uuid(), name: z.string(), color: z.string() })),
		comments: z.int(),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'Task' });

export const taskCommentSchema = z
	.object({
		id: z.uuid(),
		parent_id: z.uuid().nullable(),
		author_id: z.uuid().nullable(),
		author: z.string(),
		body: z.string().meta({ description: 'Markdown.' }),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'TaskComment' });

export const taskActivitySchema = z
	.object({ id: z.string(), at: timestamp, sentence: z.string() })
	.meta({ id: 'TaskActivity' });

export const taskAttachmentSchema = z
	.object({
		id: z.uuid(),
		file_name: z.string(),
		byte_size: z.int(),
		is_image: z.boolean().meta({ description: 'An image a client may show inline.' }),
		created_by_name: z.string().nullable(),
		created_at: timestamp,
		url: z.string().meta({
			description:
				'A signed URL of the bytes, valid for 5 minutes (relative to this origin in the embedded profile).'
		}),
		thumbnail_url: z.string().nullable().meta({
			description:
				'For an image, a signed URL of its thumbnail (WebP within 320 × 320 px), valid as long as `url`; null otherwise.'
		})
	})
	.meta({ id: 'TaskAttachment' });

type ListedFile = Awaited<ReturnType<typeof listTaskFiles>>[number];

function attachmentJson(f: ListedFile): z.infer<typeof taskAttachmentSchema> {
	return {
		id: f.id,
		file_name: f.fileName,
		byte_size: f.byteSize,
		is_image: f.isImage,
		created_by_name: f.createdByName,
		created_at: iso(f.createdAt),
		url: f.url,
		thumbnail_url: f.thumbnailUrl
	};
}

function taskJson(t: TaskCard & { description?: string }): z.infer<typeof taskSchema> {
	return {
		id: t.id,
		team_id: t.teamId,
		column_id: t.columnId,
		column: t.columnName,
		done: t.done,
		position: t.position,
		title: t.title,
		description: t.description ?? '',
		priority: t.priority,
		due_on: t.dueOn,
		project_id: t.projectId,
		assignees: t.assignees.map((a) => ({ user_id: a.userId, name: a.name })),
		labels: t.labels.map((l) => ({ id: l.id, name: l.name, color: l.color })),
		comments: t.comments,
		created_at: iso(t.createdAt),
		updated_at: iso(t.updatedAt)
	};
}

function commentJson(c: TaskComment): z.infer<typeof taskCommentSchema> {
	return {
		id: c.id,
		parent_id: c.parentId,
		author_id: c.authorId,
		author: c.author,
		body: c.body,
		created_at: iso(c.createdAt),
		updated_at: iso(c.updatedAt)
	};
}

async function task(trx: Transaction<DB>, tenantId: string, id: string) {
	const found = await getTask(trx, tenantId, id);
	return found ? taskJson(found) : notFound('task');
}

const taskParams = z.object({ task: uuid('task') });
const fields = {
	title: z.string().trim().min(1).max(200),
	description: z.string().max(20000),
	priority,
	due_on: day.nullable(),
	project_id: z.uuid().nullable(),
	assignee_ids: z.array(z.uuid()).max(50),
	label_ids: z.array(z.uuid()).max(50)
};

export const listTasksEndpoint = endpoint(
	{
		method: 'GET',
		path: '/tasks',
		operationId: 'listTasks',
		summary: 'Tasks, filtered',
		description:
			'Filters: `team`, `assignee` (a member’s id, or `me`), `label`, `priority`, `status` (open | done: its column), `due` (overdue | week | none).',
		tag: 'Tasks',
		query: pageQuery.extend(taskFilterSchema.shape),
		response: pageOf(taskSchema, 'TaskPage')
	},
	async ({ trx, tenant, query }) => {
		const { limit, cursor, ...filters } = query;
		const rows = await listTasks(trx, tenant.id, filters);
		return paginate(rows.map(taskJson), (t) => t.id, { limit, cursor });
	}
);

export const createTaskEndpoint = endpoint(
	{
		method: 'POST',
		path: '/tasks',
		operationId: 'createTask',
		summary: 'Create a task at the end of a column (tasks.write)',
		tag: 'Tasks',
		body: z
			.object({
				team_id: z.uuid(),
				column_id: z.uuid().optional().meta({ description: 'Default: the board’s first column.' }),
				title: fields.title,
				description: fields.description.optional(),
				priority: priority.optional(),
				due_on: fields.due_on.optional(),
				project_id: fields.project_id.optional(),
				assignee_ids: fields.assignee_ids.optional(),
				label_ids: fields.label_ids.optional()
			})
			.strict()
			.meta({ id: 'TaskInput' }),
		response: taskSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const id = await createTask(trx, {
			tenantId: tenant.id,
			teamId: body.team_id,
			columnId: body.column_id,
			title: body.title,
			description: body.description,
			priority: body.priority,
			dueOn: body.due_on,
			projectId: body.project_id,
			assignees: body.assignee_ids,
			labels: body.label_ids
		});
		return task(trx, tenant.id, id);
	}
);

export const getTaskEndpoint = endpoint(
	{
		method: 'GET',
		path: '/tasks/{task}',
		operationId: 'getTask',
		summary: 'One task',
		tag: 'Tasks',
		params: taskParams,
		response: taskSchema
	},
	async ({ trx, tenant, params }) => task(trx, tenant.id, params.task)
);

export const updateTaskEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/tasks/{task}',
		operationId: 'updateTask',
		summary: 'Change a task’s fields, assignees or labels (tasks.write)',
		description:
			'Assignees and labels given replace the current ones. Moves are POST /tasks/{task}/move.',
		tag: 'Tasks',
		params: taskParams,
		body: z
			.object({
				title: fields.title.optional(),
				description: fields.description.optional(),
				priority: priority.optional(),
				due_on: fields.due_on.optional(),
				project_id: fields.project_id.optional(),
				assignee_ids: fields.assignee_ids.optional(),
				label_ids: fields.label_ids.optional()
			})
			.strict()
			.meta({ id: 'TaskPatch' }),
		response: taskSchema
	},
	async ({ trx, tenant, params, body }) => {
		await task(trx, tenant.id, params.task);
		const changed = await updateTask(trx, tenant.id, params.task, {
			title: body.title,
			description: body.description,
			priority: body.priority,
			dueOn: body.due_on,
			projectId: body.project_id
		});
		if (!changed) forbidden('tasks.write');
		if (body.assignee_ids) await setAssignees(trx, tenant.id, params.task, body.assignee_ids);
		if (body.label_ids) await setLabels(trx, tenant.id, params.task, body.label_ids);
		return task(trx, tenant.id, params.task);
	}
);

export const moveTaskEndpoint = endpoint(
	{
		method: 'POST',
		path: '/tasks/{task}/move',
		operationId: 'moveTask',
		summary: 'Move a task between two cards of a column (tasks.write)',
		description:
			'`after_position`: the key of the card it goes below (null: the top); `before_position`: the card it goes above (null: the bottom). The server computes its key from the neighbours as they are now, under the column’s lock.',
		tag: 'Tasks',
		params: taskParams,
		body: z
			.object({
				column_id: z.uuid(),
				after_position: positionKey.nullable().optional(),
				before_position: positionKey.nullable().optional()
			})
			.strict()
			.meta({ id: 'TaskMove' }),
		response: taskSchema
	},
	async ({ trx, tenant, params, body }) => {
		await moveTask(
			trx,
			params.task,
			body.column_id,
			body.after_position ?? null,
			body.before_position ?? null
		);
		return task(trx, tenant.id, params.task);
	}
);

export const deleteTaskEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/tasks/{task}',
		operationId: 'deleteTask',
		summary: 'Delete a task with its comments (tasks.manage)',
		tag: 'Tasks',
		params: taskParams
	},
	async ({ trx, tenant, params }) => {
		await task(trx, tenant.id, params.task);
		if (!(await deleteTask(trx, tenant.id, params.task))) forbidden('tasks.manage');
	}
);

export const listTaskCommentsEndpoint = listEndpoint(
	{
		path: '/tasks/{task}/comments',
		operationId: 'listTaskComments',
		summary: 'A task’s comments (replies name their parent)',
		tag: 'Tasks',
		params: taskParams,
		item: taskCommentSchema,
		pageId: 'TaskCommentPage'
	},
	async ({ trx, tenant, params }) => {
		await task(trx, tenant.id, params.task);
		return (await listComments(trx, tenant.id, params.task)).map(commentJson);
	},
	(c) => `${c.created_at}/${c.id}`
);

export const addTaskCommentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/tasks/{task}/comments',
		operationId: 'addTaskComment',
		summary: 'Comment on a task, or reply to a comment (tasks.write); @<email> mentions a member',
		tag: 'Tasks',
		params: taskParams,
		body: z
			.object({
				body: z.string().trim().min(1).max(10000),
				parent_id: z.uuid().nullable().optional()
			})
			.strict()
			.meta({ id: 'TaskCommentInput' }),
		response: taskCommentSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		await task(trx, tenant.id, params.task);
		const id = await addComment(trx, tenant.id, params.task, body.body, body.parent_id);
		const comment = (await listComments(trx, tenant.id, params.task)).find((c) => c.id === id);
		return comment ? commentJson(comment) : notFound('comment');
	}
);

export const listTaskActivitiesEndpoint = listEndpoint(
	{
		path: '/tasks/{task}/activities',
		operationId: 'listTaskActivities',
		summary: 'A task’s activity, as sentences from the audit log',
		tag: 'Tasks',
		params: taskParams,
		item: taskActivitySchema,
		pageId: 'TaskActivityPage'
	},
	async ({ trx, params }) =>
		(await taskActivity(trx, params.task, 500)).map((a) => ({
			id: a.id,
			at: iso(a.at),
			sentence: a.sentence
		})),
	(a) => a.id.padStart(20, '0')
);

export const listTaskAttachmentsEndpoint = listEndpoint(
	{
		path: '/tasks/{task}/attachments',
		operationId: 'listTaskAttachments',
		summary: 'A task’s files, each with a signed URL',
		tag: 'Tasks',
		params: taskParams,
		item: taskAttachmentSchema,
		pageId: 'TaskAttachmentPage'
	},
	async ({ trx, tenant, params }) => {
		await task(trx, tenant.id, params.task);
		const { config } = await ensureRuntime();
		return (await listTaskFiles(trx, config, tenant.id, params.task)).map(attachmentJson);
	},
	(f) => `${f.created_at}/${f.id}`
);

export const addTaskAttachmentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/tasks/{task}/attachments',
		operationId: 'addTaskAttachment',
		summary: 'Attach a file to a task (tasks.write): multipart/form-data with a `file` part',
		description:
			'Images, PDFs, text, CSV and office documents of at most 10 MB, proven by their first bytes. A body past the limit is refused before it is read (TN233); the plan’s storage limit is TN384.',
		tag: 'Tasks',
		params: taskParams,
		upload: { maxBytes: TASK_UPLOAD_BODY_MAX_BYTES },
		body: z
			.object({ file: z.file({ error: 'Attach a file in the `file` part.' }) })
			.meta({ id: 'TaskAttachmentUpload' }),
		response: taskAttachmentSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		await task(trx, tenant.id, params.task);
		const { config } = await ensureRuntime();
		let stored: { attachmentId: string };
		try {
			stored = await attachTaskFile(trx, config, tenant.id, params.task, body.file);
		} catch (e) {
			if (!(e instanceof UploadRefused)) throw e;
			if (e.status === 413) throw new ApiProblem('TN233', e.message);
			throw new ApiProblem('TN220', `body.file: ${e.message}`, {
				errors: [{ field: 'body.file', message: e.message }]
			});
		}
		const files = await listTaskFiles(trx, config, tenant.id, params.task);
		const file = files.find((f) => f.id === stored.attachmentId);
		return file ? attachmentJson(file) : notFound('attachment');
	}
);

export const deleteTaskAttachmentEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/tasks/{task}/attachments/{attachment}',
		operationId: 'deleteTaskAttachment',
		summary: 'Delete a task’s file (tasks.write); its bytes go with the storage sweep',
		tag: 'Tasks',
		params: taskParams.extend({ attachment: uuid('attachment') })
	},
	async ({ trx, tenant, params }) => {
		await task(trx, tenant.id, params.task);
		const { config } = await ensureRuntime();
		const files = await listTaskFiles(trx, config, tenant.id, params.task);
		if (!files.some((f) => f.id === params.attachment)) notFound('attachment');
		if (!(await deleteTaskFile(trx, tenant.id, params.attachment))) forbidden('tasks.write');
	}
);
