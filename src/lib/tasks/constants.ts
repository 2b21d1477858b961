import { formatDate, type DateOptions } from '../format';
import type { FileKind } from '../storage/kinds';

/** What the tasks pages and the server share (20261203000700_tasks.sql's lists). */
export const TASK_PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const PRIORITY_LABELS: Record<TaskPriority, string> = {
	none: 'No priority',
	low: 'Low',
	medium: 'Medium',
	high: 'High',
	urgent: 'Urgent'
};

export const LABEL_COLORS = [
	'gray',
	'red',
	'orange',
	'yellow',
	'green',
	'blue',
	'purple',
	'pink'
] as const;

/** A due date (a calendar day, no zone) in the person's date format. */
export function formatDueDate(day: string, options: DateOptions): string {
	return formatDate(`${day}T12:00:00Z`, { ...options, timeZone: 'UTC' });
}

/** What a task takes as an attachment: the bucket task-attachments allows 10 MB. */
export const TASK_FILE_KINDS: readonly FileKind[] = [
	'pdf',
	'png',
	'jpeg',
	'gif',
	'webp',
	'txt',
	'markdown',
	'csv',
	'zip',
	'docx',
	'xlsx',
	'pptx'
];
export const TASK_FILE_MAX_BYTES = 10 * 1024 * 1024;
