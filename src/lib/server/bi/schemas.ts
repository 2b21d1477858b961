/** The BI pages' forms (the limits of 20261206000000_bi.sql, checked early; SQL has the last word). */
import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';
import { PARAMETER_TYPE_NAMES } from '$lib/bi/parameters';
import { METRICS, REFRESH_CHOICES, TIME_RANGES, WIDGET_KINDS } from '$lib/bi/metrics';
import type { ShareRefreshHours } from './queries';

const timeRange = z.enum(TIME_RANGES, { error: 'Choose a time range.' });

export const createDashboardSchema = z.object({
	name: requiredText('name', 100, 'Give the dashboard a name.'),
	description: optionalText('description', 1000),
	timeRange
});

export const dashboardSettingsSchema = z.object({
	name: requiredText('name', 100, 'Give the dashboard a name.'),
	timeRange,
	refreshSeconds: z.coerce
		.number()
		.refine(
			(n) => (REFRESH_CHOICES as readonly number[]).includes(n),
			'Choose how often it refreshes.'
		)
});

const cell = z.object({
	widget: z.uuid(),
	x: z.number().int().min(0).max(11),
	y: z.number().int().min(0).max(500),
	w: z.number().int().min(1).max(12),
	h: z.number().int().min(1).max(12)
});

export const layoutSchema = z.object({
	layout: z
		.string()
		.transform((text, ctx) => {
			try {
				return JSON.parse(text) as unknown;
			} catch {
				ctx.addIssue({ code: 'custom', message: 'The layout is not JSON.' });
				return z.NEVER;
			}
		})
		.pipe(z.array(cell).max(50, 'A dashboard holds at most 50 widgets.'))
});

export const addWidgetSchema = z
	.object({
		title: requiredText('title', 100, 'Give the widget a title.'),
		kind: z.enum(WIDGET_KINDS, { error: 'Choose line, bar, pie, table or KPI.' }),
		source: z.string().min(1, 'Choose what the widget shows.')
	})
	.transform((v, ctx) => {
		if (v.source.startsWith('metric:') && v.source.slice(7) in METRICS) {
			return { title: v.title, kind: v.kind, metric: v.source.slice(7) };
		}
		const query = z.uuid().safeParse(v.source.slice(6));
		if (v.source.startsWith('query:') && query.success) {
			return { title: v.title, kind: v.kind, savedQueryId: query.data };
		}
		ctx.addIssue({
			code: 'custom',
			path: ['source'],
			message: 'Choose a metric or a saved query.'
		});
		return z.NEVER;
	});

export const widgetSchema = z.object({ widget: id('No such widget.') });

const origin = z
	.string()
	.trim()
	.regex(
		/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/,
		'An origin is scheme://host[:port], like https://intranet.example.com.'
	);

export const shareSchema = z.object({
	origins: z
		.string()
		.max(2000)
		.default('')
		.transform((text) => text.split(/[\s,]+/).filter(Boolean))
		.pipe(z.array(origin).max(10, 'List at most 10 origins.')),
	refresh: z
		.enum(
			['frozen', '1', '6', '12', '24'],
			'Choose frozen or a refresh every 1, 6, 12 or 24 hours.'
		)
		.default('frozen')
		.transform((v) => (v === 'frozen' ? null : (Number(v) as ShareRefreshHours)))
});

export const revokeShareSchema = z.object({ share: id('No such link.') });

const parameter = z.object({
	name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'A parameter name is a-z, 0-9 and _.'),
	type: z.enum(PARAMETER_TYPE_NAMES)
});

export const savedQuerySchema = z.object({
	name: requiredText('name', 100, 'Give the query a name.'),
	description: optionalText('description', 1000),
	sql: requiredText('query', 20000, 'Write the query.'),
	parameters: z
		.string()
		.max(2000)
		.default('')
		.transform((text) =>
			text
				.split(/[\s,]+/)
				.filter(Boolean)
				.map((p) => {
					const [name, type = 'text'] = p.split(':');
					return { name, type };
				})
		)
		.pipe(z.array(parameter).max(20))
});

/** The no-code builder: a view, filters, a group by, an aggregate and a time bucket. */
export const builderSchema = z.object({
	name: requiredText('name', 100, 'Give the query a name.'),
	table: z.enum(['usage_daily', 'usage_events', 'projects', 'tasks'], { error: 'Choose a table.' }),
	bucket: z.enum(['', 'day', 'week', 'month']).default(''),
	groupBy: z.string().max(40).default(''),
	aggregate: z.enum(['count', 'sum', 'avg', 'min', 'max']).default('count'),
	measure: z.string().max(40).default(''),
	filterColumn: z.string().max(40).default(''),
	filterOp: z.enum(['=', '<>', '>', '<', '>=', '<=']).default('='),
	filterValue: z.string().max(200).default('')
});

export const queryIdSchema = z.object({ query: id('No such query.') });

/**
 * Running a saved query from its page (the Run button and the CSV download): the query, the time
 * range, and each declared parameter's value as a field `p.<name>` (checked against its type by
 * the runner, TN527).
 */
export const queryRunSchema = z.object({
	query: id('No such query.'),
	range: z.enum(TIME_RANGES, { error: 'Choose a time range.' }).default('30d')
});
