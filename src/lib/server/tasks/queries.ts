/**
 * Tasks, their boards, assignees, labels and comments, in the caller's request transaction.
 * Writes are plain DML under RLS (tasks.write; columns, labels and deleting: tasks.manage,
 * supabase/migrations/20261203000700_tasks.sql) except moves, which are the RPCs move_task and
 * move_task_column: SQL computes a card's key between its neighbours under the column's lock.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { TaskPriority } from '../../tasks/constants';
import type { TaskFilters } from './schemas';
import { renderMarkdown } from './markdown';

export interface BoardColumn {
	id: string;
	name: string;
	sortOrder: number;
	isDone: boolean;
}

export interface TaskPerson {
	userId: string;
	name: string;
}

export interface TaskLabel {
	id: string;
	name: string;
	color: string;
	teamId: string | null;
}

export interface TaskCard {
	id: string;
	teamId: string;
	teamName: string;
	columnId: string;
	columnName: string;
	done: boolean;
	position: string;
	title: string;
	priority: TaskPriority;
	dueOn: string | null;
	projectId: string | null;
	assignees: TaskPerson[];
	labels: TaskLabel[];
	comments: number;
	createdAt: Date;
	updatedAt: Date;
}

const nameOf = sql<string>`coalesce(nullif(p.full_name, ''), p.email::text)`;

/** The cards of the tenant matching `filters`, with their assignees, labels and comment counts. */
function cards(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('tasks as t')
		.innerJoin('teams as tm', 'tm.id', 't.team_id')
		.innerJoin('task_columns as c', 'c.id', 't.column_id')
		.select([
			't.id',
			't.team_id as teamId',
			'tm.name as teamName',
			't.column_id as columnId',
			'c.name as columnName',
			'c.is_done as done',
			't.position',
			't.title',
			't.priority',
			sql<string | null>`to_char(t.due_on, 'YYYY-MM-DD')`.as('dueOn'),
			't.project_id as projectId',
			't.created_at as createdAt',
			't.updated_at as updatedAt',
			sql<TaskPerson[]>`coalesce((
				select jsonb_agg(jsonb_build_object('userId', a.user_id, 'name', ${nameOf}) order by ${nameOf})
				from public.task_assignees a join public.profiles p on p.id = a.user_id
				where a.tenant_id = t.tenant_id and a.task_id = t.id), '[]')`.as('assignees'),
			sql<TaskLabel[]>`coalesce((
				select jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'color', l.color, 'teamId', l.team_id) order by l.name)
				from public.task_label_links ll join public.task_labels l on l.id = ll.label_id
				where ll.tenant_id = t.tenant_id and ll.task_id = t.id), '[]')`.as('labels'),
			sql<number>`(select count(*)::int from public.task_comments k
				where k.tenant_id = t.tenant_id and k.task_id = t.id)`.as('comments')
		])
		.where('t.tenant_id', '=', tenantId);
}

type CardRow = Omit<TaskCard, 'priority'> & { priority: string };
const card = (r: CardRow): TaskCard => ({ ...r, priority: r.priority as TaskPriority });

export interface Board {
	team: { id: string; name: string };
	columns: BoardColumn[];
	cards: TaskCard[];
}

/** A team's board: its columns left to right and every card in key order; null when not visible. */
export async function getBoard(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string
): Promise<Board | null> {
	const team = await trx
		.selectFrom('teams')
		.select(['id', 'name'])
		.where('tenant_id', '=', tenantId)
		.where('id', '=', teamId)
		.executeTakeFirst();
	if (!team) return null;
	const columns = await listColumns(trx, tenantId, teamId);
	if (columns.length === 0) return null;
	const rows = await cards(trx, tenantId)
		.where('t.team_id', '=', teamId)
		.orderBy('t.column_id')
		.orderBy('t.position')
		.execute();
	return { team, columns, cards: rows.map(card) };
}

export async function listColumns(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string
): Promise<BoardColumn[]> {
	return trx
		.selectFrom('task_columns')
		.select(['id', 'name', 'sort_order as sortOrder', 'is_done as isDone'])
		.where('tenant_id', '=', tenantId)
		.where('team_id', '=', teamId)
		.orderBy('sort_order')
		.orderBy('name')
		.execute();
}

/** The teams whose boards the caller can see, by name. */
export async function listBoards(
	trx: Transaction<DB>,
	tenantId: string
): Promise<{ id: string; name: string; open: number }[]> {
	return trx
		.selectFrom('teams as tm')
		.select(['tm.id', 'tm.name'])
		.select(
			sql<number>`(select count(*)::int from public.tasks t join public.task_columns c on c.id = t.column_id
				where t.tenant_id = tm.tenant_id and t.team_id = tm.id and not c.is_done)`.as('open')
		)
		.where('tm.tenant_id', '=', tenantId)
		.where(({ exists, selectFrom }) =>
			exists(selectFrom('task_columns as c').select('c.id').whereRef('c.team_id', '=', 'tm.id'))
		)
		.orderBy('tm.name')
		.execute();
}

/** The list view's list: search by title, team and column; sort by due date, title or age. */
export const TASK_LIST = defineList({
	sorts: {
		due: { column: 'dueOn', type: 'text' },
		title: { column: 'title', type: 'text' },
		created: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'due',
	defaultDir: 'asc',
	search: ['title', 'teamName', 'columnName'],
	id: { column: 'id', type: 'uuid' }
});

/** The cards matching the filters (`assignee: 'me'` is the caller, auth.uid()). */
function filteredCards(trx: Transaction<DB>, tenantId: string, filters: TaskFilters) {
	let q = cards(trx, tenantId);
	if (filters.team) q = q.where('t.team_id', '=', filters.team);
	if (filters.priority) q = q.where('t.priority', '=', filters.priority);
	if (filters.status) q = q.where('c.is_done', '=', filters.status === 'done');
	if (filters.due === 'overdue')
		q = q.where(sql<boolean>`t.due_on < current_date and not c.is_done`);
	if (filters.due === 'week')
		q = q.where(sql<boolean>`t.due_on between current_date and current_date + 7`);
	if (filters.due === 'none') q = q.where('t.due_on', 'is', null);
	if (filters.assignee) {
		const who =
			filters.assignee === 'me' ? sql<string>`auth.uid()` : sql<string>`${filters.assignee}::uuid`;
		q = q.where(({ exists, selectFrom }) =>
			exists(
				selectFrom('task_assignees as a')
					.select('a.user_id')
					.whereRef('a.task_id', '=', 't.id')
					.where(sql<boolean>`a.user_id = ${who}`)
			)
		);
	}
	if (filters.label) {
		const label = filters.label;
		q = q.where(({ exists, selectFrom }) =>
			exists(
				selectFrom('task_label_links as ll')
					.select('ll.label_id')
					.whereRef('ll.task_id', '=', 't.id')
					.where('ll.label_id', '=', label)
			)
		);
	}
	return q;
}

/** The API's list: every matching card, soonest due first (no date last), then newest. */
export async function listTasks(
	trx: Transaction<DB>,
	tenantId: string,
	filters: TaskFilters
): Promise<TaskCard[]> {
	const rows = await filteredCards(trx, tenantId, filters)
		.orderBy(sql`t.due_on asc nulls last`)
		.orderBy('t.created_at', 'desc')
		.orderBy('t.id')
		.limit(5000)
		.execute();
	return rows.map(card);
}

/** One page of the list view, as `params` (readList) asks. */
export async function pageTasks(
	trx: Transaction<DB>,
	tenantId: string,
	filters: TaskFilters,
	params: ListParams
): Promise<ListPage<TaskCard>> {
	const page = await listPage(trx, filteredCards(trx, tenantId, filters), TASK_LIST, params);
	return { ...page, rows: page.rows.map(card) };
}

export interface TaskComment {
	id: string;
	parentId: string | null;
	authorId: string | null;
	author: string;
	body: string;
	html: string;
	createdAt: Date;
	updatedAt: Date;
}

export type TaskDetail = TaskCard & { description: string; descriptionHtml: string };

export async function getTask(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string
): Promise<TaskDetail | null> {
	const row = await cards(trx, tenantId)
		.select('t.description')
		.where('t.id', '=', taskId)
		.executeTakeFirst();
	if (!row) return null;
	return {
		...card(row),
		description: row.description,
		descriptionHtml: renderMarkdown(row.description)
	};
}

/** A task's comments, oldest first, each with its Markdown rendered. */
export async function listComments(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string
): Promise<TaskComment[]> {
	const rows = await trx
		.selectFrom('task_comments as k')
		.leftJoin('profiles as p', 'p.id', 'k.author_id')
		.select([
			'k.id',
			'k.parent_id as parentId',
			'k.author_id as authorId',
			sql<string>`coalesce(nullif(p.full_name, ''), p.email::text, 'Someone')`.as('author'),
			'k.body',
			'k.created_at as createdAt',
			'k.updated_at as updatedAt'
		])
		.where('k.tenant_id', '=', tenantId)
		.where('k.task_id', '=', taskId)
		.orderBy('k.created_at')
		.orderBy('k.id')
		.execute();
	return rows.map((r) => ({ ...r, html: renderMarkdown(r.body) }));
}

export interface NewTask {
	tenantId: string;
	teamId: string;
	columnId?: string;
	title: string;
	description?: string;
	priority?: TaskPriority;
	dueOn?: string | null;
	projectId?: string | null;
	assignees?: string[];
	labels?: string[];
}

/** Creates a task at the end of its column (the first column when none is given); its id. */
export async function createTask(trx: Transaction<DB>, task: NewTask): Promise<string> {
	const { id } = await trx
		.insertInto('tasks')
		.values({
			tenant_id: task.tenantId,
			team_id: task.teamId,
			column_id: task.columnId,
			title: task.title,
			description: task.description ?? '',
			priority: task.priority ?? 'none',
			due_on: task.dueOn ?? null,
			project_id: task.projectId ?? null
		} as never)
		.returning('id')
		.executeTakeFirstOrThrow();
	if (task.assignees?.length) await setAssignees(trx, task.tenantId, id, task.assignees);
	if (task.labels?.length) await setLabels(trx, task.tenantId, id, task.labels);
	return id;
}

export interface TaskChanges {
	title?: string;
	description?: string;
	priority?: TaskPriority;
	dueOn?: string | null;
	projectId?: string | null;
}

/** Changes a task's fields; false when RLS hid it (not there, or no tasks.write). */
export async function updateTask(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string,
	changes: TaskChanges
): Promise<boolean> {
	const set: Record<string, unknown> = {};
	if (changes.title !== undefined) set.title = changes.title;
	if (changes.description !== undefined) set.description = changes.description;
	if (changes.priority !== undefined) set.priority = changes.priority;
	if (changes.dueOn !== undefined) set.due_on = changes.dueOn;
	if (changes.projectId !== undefined) set.project_id = changes.projectId;
	if (Object.keys(set).length === 0) {
		return Boolean(
			await trx
				.selectFrom('tasks')
				.select('id')
				.where('tenant_id', '=', tenantId)
				.where('id', '=', taskId)
				.executeTakeFirst()
		);
	}
	const result = await trx
		.updateTable('tasks')
		.set(set)
		.where('tenant_id', '=', tenantId)
		.where('id', '=', taskId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

/** Makes the task's assignees exactly `userIds` (adds and removes only the difference). */
export async function setAssignees(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string,
	userIds: string[]
): Promise<void> {
	const wanted = [...new Set(userIds)];
	let del = trx
		.deleteFrom('task_assignees')
		.where('tenant_id', '=', tenantId)
		.where('task_id', '=', taskId);
	if (wanted.length) del = del.where('user_id', 'not in', wanted);
	await del.execute();
	if (wanted.length) {
		await trx
			.insertInto('task_assignees')
			.values(wanted.map((user_id) => ({ tenant_id: tenantId, task_id: taskId, user_id })))
			.onConflict((oc) => oc.doNothing())
			.execute();
	}
}

/** Makes the task's labels exactly `labelIds`. */
export async function setLabels(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string,
	labelIds: string[]
): Promise<void> {
	const wanted = [...new Set(labelIds)];
	let del = trx
		.deleteFrom('task_label_links')
		.where('tenant_id', '=', tenantId)
		.where('task_id', '=', taskId);
	if (wanted.length) del = del.where('label_id', 'not in', wanted);
	await del.execute();
	if (wanted.length) {
		await trx
			.insertInto('task_label_links')
			.values(wanted.map((label_id) => ({ tenant_id: tenantId, task_id: taskId, label_id })))
			.onConflict((oc) => oc.doNothing())
			.execute();
	}
}

/** Moves a card (public.move_task): into `columnId` after the card keyed `before`, before the one keyed `after`. */
export async function moveTask(
	trx: Transaction<DB>,
	taskId: string,
	columnId: string,
	before: string | null,
	after: string | null
): Promise<string> {
	const { rows } = await sql<{ key: string }>`
		select public.move_task(${taskId}, ${columnId}, ${before}, ${after}) as key`.execute(trx);
	return rows[0]!.key;
}

/** Deletes a task with its assignees, labels and comments; false when RLS hid it (tasks.manage). */
export async function deleteTask(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('tasks')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', taskId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export async function addComment(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string,
	body: string,
	parentId?: string | null
): Promise<string> {
	const { id } = await trx
		.insertInto('task_comments')
		.values({ tenant_id: tenantId, task_id: taskId, body, parent_id: parentId ?? null })
		.returning('id')
		.executeTakeFirstOrThrow();
	return id;
}

/** Deletes a comment (its replies go with it); false unless the caller wrote it or holds tasks.manage. */
export async function deleteComment(
	trx: Transaction<DB>,
	tenantId: string,
	taskId: string,
	commentId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('task_comments')
		.where('tenant_id', '=', tenantId)
		.where('task_id', '=', taskId)
		.where('id', '=', commentId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

export async function addColumn(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string,
	name: string
): Promise<string> {
	const last = await trx
		.selectFrom('task_columns')
		.select(sql<number>`count(*)::int`.as('n'))
		.where('tenant_id', '=', tenantId)
		.where('team_id', '=', teamId)
		.executeTakeFirstOrThrow();
	const { id } = await trx
		.insertInto('task_columns')
		.values({ tenant_id: tenantId, team_id: teamId, name })
		.returning('id')
		.executeTakeFirstOrThrow();
	await sql`select public.move_task_column(${id}, ${last.n})`.execute(trx);
	return id;
}

export async function renameColumn(
	trx: Transaction<DB>,
	tenantId: string,
	columnId: string,
	name: string
): Promise<boolean> {
	const result = await trx
		.updateTable('task_columns')
		.set({ name })
		.where('tenant_id', '=', tenantId)
		.where('id', '=', columnId)
		.executeTakeFirst();
	return result.numUpdatedRows > 0n;
}

export async function deleteColumn(
	trx: Transaction<DB>,
	tenantId: string,
	columnId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('task_columns')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', columnId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** Puts a column at `index` (0: leftmost) of its board (public.move_task_column). */
export async function moveColumn(
	trx: Transaction<DB>,
	columnId: string,
	index: number
): Promise<void> {
	await sql`select public.move_task_column(${columnId}, ${index})`.execute(trx);
}

/** The labels a task of this team may carry: the team's and the organisation's, by name. */
export async function listLabels(
	trx: Transaction<DB>,
	tenantId: string,
	teamId?: string
): Promise<TaskLabel[]> {
	let q = trx
		.selectFrom('task_labels')
		.select(['id', 'name', 'color', 'team_id as teamId'])
		.where('tenant_id', '=', tenantId);
	if (teamId) q = q.where((eb) => eb.or([eb('team_id', 'is', null), eb('team_id', '=', teamId)]));
	return q.orderBy('name').execute();
}

export async function addLabel(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string | null,
	name: string,
	color: string
): Promise<string> {
	const { id } = await trx
		.insertInto('task_labels')
		.values({ tenant_id: tenantId, team_id: teamId, name, color })
		.returning('id')
		.executeTakeFirstOrThrow();
	return id;
}

export async function deleteLabel(
	trx: Transaction<DB>,
	tenantId: string,
	labelId: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('task_labels')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', labelId)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** Who may be assigned: the organisation's active members, by name. */
export async function listAssignable(
	trx: Transaction<DB>,
	tenantId: string
): Promise<TaskPerson[]> {
	return trx
		.selectFrom('memberships as m')
		.innerJoin('profiles as p', 'p.id', 'm.user_id')
		.select(['m.user_id as userId', nameOf.as('name')])
		.where('m.tenant_id', '=', tenantId)
		.where('m.status', '=', 'active')
		.orderBy(nameOf)
		.execute();
}

/** The state of a board that its live stream compares: what a viewer would see changes. */
export async function boardVersion(
	trx: Transaction<DB>,
	tenantId: string,
	teamId: string
): Promise<string> {
	const { rows } = await sql<{ v: string }>`
		select concat_ws('/',
			(select count(*) || ':' || coalesce(max(updated_at)::text, '') from public.task_columns where tenant_id = ${tenantId} and team_id = ${teamId}),
			(select count(*) || ':' || coalesce(max(updated_at)::text, '') || ':' || coalesce(md5(string_agg(id::text || column_id::text || position, ',' order by id)), '')
			 from public.tasks where tenant_id = ${tenantId} and team_id = ${teamId}),
			(select count(*) from public.task_assignees a join public.tasks t on t.id = a.task_id where a.tenant_id = ${tenantId} and t.team_id = ${teamId}),
			(select count(*) from public.task_label_links a join public.tasks t on t.id = a.task_id where a.tenant_id = ${tenantId} and t.team_id = ${teamId}),
			(select count(*) from public.task_comments a join public.tasks t on t.id = a.task_id where a.tenant_id = ${tenantId} and t.team_id = ${teamId})) as v`.execute(
		trx
	);
	return rows[0]!.v;
}
