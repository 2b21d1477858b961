/**
 * The tasks pages' and API's inputs, with the limits of 20261203000700_tasks.sql checked early
 * (title 1–200, description ≤ 20000, comment 1–10000, column and label names 1–50). SQL checks
 * them again (TN421–TN434).
 */
import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';
import { TASK_PRIORITIES } from '../../tasks/constants';

export const taskIdSchema = id('No such task.');
export const columnIdSchema = id('Choose a column of this board.');
export const teamIdSchema = id('Choose a team.');

const priority = z.enum(TASK_PRIORITIES, { error: 'Choose a priority from the list.' });
/** A form's date field: '' clears it. */
const dueOn = z
	.union([z.literal(''), z.iso.date({ error: 'Enter a date as YYYY-MM-DD.' })])
	.transform((v) => (v === '' ? null : v));
/** A form's repeated field (several checkboxes of one name), or a JSON body's array. */
const ids = (message: string) =>
	z.preprocess(
		(v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
		z.array(id(message)).max(50)
	);
const optionalId = (message: string) =>
	z.preprocess((v) => (v === '' ? undefined : v), id(message).optional());

export const createTaskSchema = z.object({
	team: teamIdSchema,
	column: optionalId('Choose a column of this board.'),
	title: requiredText('title', 200, 'Give the task a title.'),
	description: optionalText('description', 20000),
	priority: priority.default('none'),
	dueOn: dueOn.default(''),
	project: optionalId('Choose a project.'),
	assignees: ids('Choose members of the organisation.'),
	labels: ids('Choose labels of this board.')
});

export const updateTaskSchema = z.object({
	title: requiredText('title', 200, 'Give the task a title.'),
	description: optionalText('description', 20000),
	priority,
	dueOn: dueOn.default(''),
	project: optionalId('Choose a project.'),
	assignees: ids('Choose members of the organisation.'),
	labels: ids('Choose labels of this board.')
});

/** A move: into `column`, after the card keyed `before` and before the card keyed `after` (either may be empty). */
const key = z
	.string()
	.regex(/^([0-9A-Za-z]*[1-9A-Za-z])?$/, { error: 'Reload the board and move the card again.' })
	.max(500)
	.transform((v) => (v === '' ? null : v));
export const moveTaskSchema = z.object({
	task: taskIdSchema,
	column: columnIdSchema,
	before: key.nullish().transform((v) => v ?? null),
	after: key.nullish().transform((v) => v ?? null)
});

export const commentSchema = z.object({
	body: requiredText('comment', 10000, 'Write a comment.'),
	parent: optionalId('Reply to a comment of this task.')
});

export const commentIdSchema = z.object({ comment: id('No such comment.') });
export const attachmentIdSchema = z.object({ attachmentId: id('No such file.') });

export const columnSchema = z.object({
	name: requiredText('column name', 50, 'Name the column.')
});
export const renameColumnSchema = z.object({
	column: columnIdSchema,
	name: requiredText('column name', 50, 'Name the column.')
});
export const moveColumnSchema = z.object({
	column: columnIdSchema,
	index: z.coerce.number({ error: 'Choose a place.' }).int().min(0).max(1000)
});
export const columnIdOnlySchema = z.object({ column: columnIdSchema });

export const labelSchema = z.object({
	name: requiredText('label', 50, 'Name the label.'),
	color: z
		.enum(['gray', 'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink'])
		.default('gray')
});
export const labelIdSchema = z.object({ label: id('No such label.') });

/** The list view's and the API's filters. */
export const taskFilterSchema = z.object({
	team: teamIdSchema.optional(),
	assignee: z.union([z.literal('me'), id('Choose a member.')]).optional(),
	label: id('Choose a label.').optional(),
	priority: priority.optional(),
	status: z.enum(['open', 'done']).optional(),
	due: z.enum(['overdue', 'week', 'none']).optional()
});
export type TaskFilters = z.output<typeof taskFilterSchema>;
