/** What the support pages and their schemas share (no zod here: the pages bundle it). */

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STATUSES = ['open', 'in_progress', 'pending', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const CATEGORIES = [
	'general',
	'technical',
	'billing',
	'account',
	'feature_request'
] as const;
export type Category = (typeof CATEGORIES)[number];

export const PRIORITY_LABELS: Record<Priority, string> = {
	low: 'Low',
	medium: 'Medium',
	high: 'High',
	urgent: 'Urgent'
};

export const STATUS_LABELS: Record<Status, string> = {
	open: 'Open',
	in_progress: 'In progress',
	pending: 'Waiting on you',
	resolved: 'Resolved',
	closed: 'Closed'
};

/** The console's words: "pending" waits on the customer. */
export const STAFF_STATUS_LABELS: Record<Status, string> = {
	...STATUS_LABELS,
	pending: 'Waiting on customer'
};

export const CATEGORY_LABELS: Record<Category, string> = {
	general: 'General question',
	technical: 'Technical problem',
	billing: 'Billing',
	account: 'Account and access',
	feature_request: 'Feature request'
};

/** The StatusBadge word a ticket status is coloured by: open needs attention, resolved is done. */
export function badgeStatus(status: Status): string {
	return {
		open: 'pending',
		in_progress: 'active',
		pending: 'waiting',
		resolved: 'succeeded',
		closed: 'closed'
	}[status];
}

export const MAX_SUBJECT = 200;
export const MAX_TEXT = 20000;

/** The files a ticket's messages may carry: images and documents, 10 MB each. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

/** A ticket list's filter: a select of the URL's `name` (TicketFilters). */
export interface TicketFilter {
	name: string;
	label: string;
	value: string;
	options: { value: string; label: string }[];
}

/** The status filter: `first` (the default choice) leads, then every status in `labels`' words. */
export function statusFilter(
	value: string,
	labels: Record<Status, string>,
	first: { value: string; label: string }[]
): TicketFilter {
	return {
		name: 'status',
		label: 'Status',
		value,
		options: [...first, ...STATUSES.map((s) => ({ value: s, label: labels[s] }))]
	};
}

export function priorityFilter(value: string): TicketFilter {
	return {
		name: 'priority',
		label: 'Priority',
		value,
		options: [
			{ value: '', label: 'Any priority' },
			...PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }))
		]
	};
}
