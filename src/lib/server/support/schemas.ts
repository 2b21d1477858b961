/**
 * The support pages' forms and the API's bodies share these rules (SQL checks them again,
 * TN401–TN412): a subject of 1–200 characters, a description and a message of 1–20,000, a
 * priority, a category, a status, an optional project.
 */
import { z } from 'zod';
import { id, requiredText } from '../../forms/messages';
import {
	CATEGORIES,
	MAX_SUBJECT,
	MAX_TEXT,
	PRIORITIES,
	STATUSES,
	type Category,
	type Priority,
	type Status
} from '../../support/options';
import type { SupportPriority, SupportStatus } from '../platform/database';

PRIORITIES satisfies readonly SupportPriority[];
STATUSES satisfies readonly SupportStatus[];

export const priority = z.enum(PRIORITIES, {
	error: 'Choose a priority: low, medium, high or urgent.'
});
export const category = z.enum(CATEGORIES, { error: 'Choose one of the listed categories.' });
export const status = z.enum(STATUSES, { error: 'Choose one of the statuses.' });
const body = requiredText('message', MAX_TEXT, 'Write a message first.');

/** An optional project: '' (none) or a project id. */
const project = z
	.union([z.literal(''), id('Choose a project of this organisation, or none.')])
	.default('')
	.transform((v) => (v === '' ? null : v));

export const ticketSchema = z.object({
	subject: requiredText('subject', MAX_SUBJECT, 'Write a subject.'),
	description: requiredText('description', MAX_TEXT, 'Describe the problem.'),
	priority: priority.default('medium'),
	category: category.default('general'),
	project
});
export type TicketInput = z.output<typeof ticketSchema>;

export const replySchema = z.object({ body });

/** The tenant's two status changes. */
export const tenantStatusSchema = z.object({
	status: z.enum(['open', 'closed'], { error: 'Close the ticket, or reopen it.' })
});

/** A staff reply, or an internal note, optionally moving the ticket. */
export const staffReplySchema = z.object({
	body,
	internal: z
		.enum(['on', 'true', 'false', ''])
		.optional()
		.transform((v) => v === 'on' || v === 'true'),
	status: z
		.union([z.literal(''), status])
		.default('')
		.transform((v) => (v === '' ? null : v))
});

export const staffUpdateSchema = z.object({
	status: status.optional(),
	priority: priority.optional()
});

export const assignSchema = z.object({
	assignee: z
		.union([z.literal(''), id('Choose a support staff member, or nobody.')])
		.default('')
		.transform((v) => (v === '' ? null : v))
});

export const mergeSchema = z.object({
	into: z.coerce
		.number({ error: 'Give the number of the ticket to merge into.' })
		.int({ error: 'Give the number of the ticket to merge into.' })
		.positive({ error: 'Give the number of the ticket to merge into.' })
});

export const macroSchema = z.object({
	title: requiredText('title', 100, 'Give the macro a title.'),
	body: requiredText('text', MAX_TEXT, 'Write the text the macro inserts.')
});
export const macroIdSchema = z.object({ id: id('That macro no longer exists: reload the page.') });

export type { Category, Priority, Status };

/** The lists' filters from the URL; a value that is not one of the options is ignored. */
export function readFilters(search: URLSearchParams, staff: boolean) {
	const pick = <T>(schema: z.ZodType<T>, name: string): T | undefined => {
		const parsed = schema.safeParse(search.get(name) ?? undefined);
		return parsed.success ? parsed.data : undefined;
	};
	return {
		status: pick(z.union([status, z.literal('active')]), 'status'),
		priority: pick(priority, 'priority'),
		...(staff
			? {
					assignee: pick(z.union([z.enum(['me', 'none']), z.uuid()]), 'assignee'),
					tenant: pick(z.string().regex(/^[a-z0-9-]{1,63}$/), 'tenant'),
					breached: search.get('sla') === 'breached' || undefined
				}
			: {})
	};
}
