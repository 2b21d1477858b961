/**
 * A task's activity as sentences, read from the audit log (public.task_activity: the audit rows
 * of the task, its assignees, labels and comments, with the names they need) — not a second log.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { PRIORITY_LABELS, type TaskPriority } from '../../tasks/constants';

export interface ActivityRow {
	id: string;
	created_at: Date;
	action: string;
	actor_type: 'user' | 'api_key' | 'system';
	actor_name: string | null;
	old_values: Record<string, unknown> | null;
	new_values: Record<string, unknown> | null;
	subject_name: string | null;
	from_column: string | null;
	to_column: string | null;
}

export interface Activity {
	id: string;
	at: Date;
	sentence: string;
}

const quoted = (v: unknown) => `“${String(v)}”`;

/** What a change of the task's own fields says, field by field. */
function changes(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
	const said: string[] = [];
	if ('title' in after) said.push(`renamed the task to ${quoted(after.title)}`);
	if ('description' in after)
		said.push(after.description ? 'edited the description' : 'removed the description');
	if ('priority' in after)
		said.push(
			`set the priority to ${PRIORITY_LABELS[after.priority as TaskPriority]?.toLowerCase() ?? after.priority}`
		);
	if ('due_on' in after)
		said.push(after.due_on ? `set the due date to ${after.due_on}` : 'removed the due date');
	if ('project_id' in after)
		said.push(after.project_id ? 'linked a project' : 'unlinked the project');
	if (said.length === 0 && Object.keys(before).length) said.push('changed the task');
	return said;
}

/** One audit row as a sentence ("Ada moved the task from To do to Review"). */
export function activitySentence(row: ActivityRow): string {
	const actor = row.actor_name ?? (row.actor_type === 'system' ? 'The system' : 'Someone');
	const after = row.new_values ?? {};
	const before = row.old_values ?? {};
	const subject = row.subject_name ?? 'someone';
	let what: string;
	switch (row.action) {
		case 'tasks.insert':
			what = `created the task in ${row.to_column ?? 'its column'}`;
			break;
		case 'tasks.update': {
			const moved =
				'column_id' in after
					? `moved the task from ${row.from_column ?? 'a column'} to ${row.to_column ?? 'a column'}`
					: 'position' in after
						? 'moved the task within its column'
						: null;
			const rest = changes(before, after);
			what = [moved, ...(moved && rest[0] === 'changed the task' ? [] : rest)]
				.filter(Boolean)
				.join(', ');
			break;
		}
		case 'tasks.delete':
			what = 'deleted the task';
			break;
		case 'task_assignees.insert':
			what = `assigned ${subject}`;
			break;
		case 'task_assignees.delete':
			what = `unassigned ${subject}`;
			break;
		case 'task_label_links.insert':
			what = `added the label ${row.subject_name ?? ''}`.trim();
			break;
		case 'task_label_links.delete':
			what = `removed the label ${row.subject_name ?? ''}`.trim();
			break;
		case 'task_comments.insert':
			what = after.parent_id ? 'replied to a comment' : 'commented';
			break;
		case 'task_comments.update':
			what = 'edited a comment';
			break;
		case 'task_comments.delete':
			what = 'deleted a comment';
			break;
		default:
			what = `did ${row.action}`;
	}
	return `${actor} ${what}`;
}

/** The task's activity, newest first (TN420 when the caller cannot read the task). */
export async function taskActivity(
	trx: Transaction<DB>,
	taskId: string,
	limit = 100
): Promise<Activity[]> {
	const { rows } = await sql<ActivityRow>`
		select id::text, created_at, action, actor_type, actor_name, old_values, new_values, subject_name, from_column, to_column
		from public.task_activity(${taskId}, ${limit})`.execute(trx);
	return rows.map((r) => ({ id: r.id, at: r.created_at, sentence: activitySentence(r) }));
}
