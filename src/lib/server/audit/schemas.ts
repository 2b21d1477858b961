/**
 * The audit log's filters and page cursor, read from the query string (the filter form is a GET
 * form, so a filtered view is a link that can be shared or bookmarked).
 */
import { z } from 'zod';
import { tooLong } from '../../forms/messages';

/** Empty inputs of a GET form arrive as '': they mean "no filter". */
const optionalText = (what: string, max: number) =>
	z
		.string()
		.trim()
		.max(max, { error: tooLong(what, max) })
		.transform((value) => value || undefined)
		.optional();

/** A real calendar day (2026-02-30 is not), within what Postgres and JavaScript both handle. */
function isDay(value: string): boolean {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
	if (!match) return false;
	const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
	const date = new Date(Date.UTC(year, month - 1, day));
	return (
		year >= 1 &&
		date.getUTCFullYear() === year &&
		date.getUTCMonth() === month - 1 &&
		date.getUTCDate() === day
	);
}

const optionalDate = z
	.string()
	.trim()
	.refine((value) => value === '' || /^\d{4}-\d{2}-\d{2}$/.test(value), {
		error: 'Use a date like 2026-11-22.',
		abort: true
	})
	.refine((value) => value === '' || isDay(value), { error: 'That date does not exist.' })
	.transform((value) => value || undefined)
	.optional();

/**
 * A page boundary: a row's created_at to the microsecond (as Postgres prints it in UTC) and id.
 * JavaScript dates keep milliseconds only, so the timestamp stays text end to end.
 */
export const auditCursorSchema = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z_\d{1,18}$/)
	.refine((value) => isDay(value.slice(0, 10)))
	.transform((value) => {
		const [at, id] = value.split('_') as [string, string];
		return { at, id };
	});

export type AuditCursor = z.output<typeof auditCursorSchema>;

export const auditFilterSchema = z
	.object({
		actor: optionalText('person', 255),
		action: optionalText('action', 100),
		target_type: optionalText('target type', 100),
		target_id: optionalText('target id', 200),
		from: optionalDate,
		to: optionalDate
	})
	.refine((f) => !f.from || !f.to || f.from <= f.to, {
		path: ['to'],
		error: 'The end date is before the start date.'
	});

export type AuditFilter = z.output<typeof auditFilterSchema>;

export const AUDIT_FILTER_FIELDS = [
	'actor',
	'action',
	'target_type',
	'target_id',
	'from',
	'to'
] as const;

export const AUDIT_EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/** The filter fields of a query string, as the form sent them (for keeping them in the form). */
export function filterValues(params: URLSearchParams): Record<string, string> {
	return Object.fromEntries(AUDIT_FILTER_FIELDS.map((f) => [f, params.get(f) ?? '']));
}

/** Parses the filters and the cursor of a query string; bad filters come back as field errors. */
export function parseAuditQuery(params: URLSearchParams):
	| {
			ok: true;
			filter: AuditFilter;
			before?: AuditCursor;
			after?: AuditCursor;
	  }
	| { ok: false; errors: Record<string, string[]> } {
	const parsed = auditFilterSchema.safeParse(filterValues(params));
	if (!parsed.success) {
		const errors: Record<string, string[]> = {};
		for (const issue of parsed.error.issues) {
			(errors[String(issue.path[0] ?? 'form')] ??= []).push(issue.message);
		}
		return { ok: false, errors };
	}
	const before = auditCursorSchema.safeParse(params.get('before') ?? '');
	const after = auditCursorSchema.safeParse(params.get('after') ?? '');
	return {
		ok: true,
		filter: parsed.data,
		before: before.success ? before.data : undefined,
		after: !before.success && after.success ? after.data : undefined
	};
}
