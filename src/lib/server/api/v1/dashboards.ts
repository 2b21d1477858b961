/**
 * Dashboards, their widgets and saved queries under /api/v1 (docs/bi.md), through bi/queries.ts and
 * bi/run.ts — the services the pages use. dashboards.read reads and runs, dashboards.manage writes
 * dashboards and widgets, queries.manage writes saved queries; RLS and the runner decide.
 */
import { z } from 'zod';
import {
	addWidget,
	createDashboard,
	createSavedQuery,
	deleteDashboard,
	getDashboard,
	getSavedQuery,
	listDashboards,
	listSavedQueries,
	rangeBounds,
	removeWidget,
	updateDashboard,
	type Dashboard,
	type SavedQuery,
	type Widget
} from '../../bi/queries';
import { resultCsv } from '../../bi/export';
import { runQuery } from '../../bi/run';
import { endpoint } from '../endpoint';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';
import { METRICS, REFRESH_CHOICES, TIME_RANGES, WIDGET_KINDS } from '$lib/bi/metrics';
import { PARAMETER_TYPE_NAMES } from '$lib/bi/parameters';

const TAG = 'Dashboards';
const timeRange = z.enum(TIME_RANGES, { error: 'Use 24h, 7d, 30d, 90d or 365d.' });

const cellSchema = z.object({
	widget: z.string(),
	x: z.int().min(0).max(11),
	y: z.int().min(0).max(500),
	w: z.int().min(1).max(12),
	h: z.int().min(1).max(12)
});

export const widgetJsonSchema = z
	.object({
		id: z.string(),
		kind: z.enum(WIDGET_KINDS),
		title: z.string(),
		source: z.enum(['metric', 'query']),
		metric: z.string().nullable(),
		saved_query_id: z.uuid().nullable()
	})
	.meta({ id: 'Widget' });

export const dashboardJsonSchema = z
	.object({
		id: z
			.string()
			.meta({ description: 'A UUID, or `home` for the default home not yet customised.' }),
		name: z.string(),
		description: z.string(),
		is_default: z.boolean(),
		time_range: timeRange,
		refresh_seconds: z.int(),
		layout: z.array(cellSchema),
		updated_at: timestamp
	})
	.meta({ id: 'Dashboard' });

const dashboardDetailSchema = dashboardJsonSchema
	.extend({ widgets: z.array(widgetJsonSchema) })
	.meta({ id: 'DashboardDetail' });

export const savedQueryJsonSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		description: z.string(),
		mode: z.enum(['sql', 'builder']),
		sql: z.string(),
		parameters: z.array(z.object({ name: z.string(), type: z.enum(PARAMETER_TYPE_NAMES) })),
		row_limit: z.int(),
		timeout_ms: z.int(),
		updated_at: timestamp
	})
	.meta({ id: 'SavedQuery' });

const dashboardJson = (d: Dashboard): z.infer<typeof dashboardJsonSchema> => ({
	id: d.id,
	name: d.name,
	description: d.description,
	is_default: d.isDefault,
	time_range: d.timeRange,
	refresh_seconds: d.refreshSeconds,
	layout: d.layout,
	updated_at: iso(d.updatedAt)
});

const widgetJson = (w: Widget): z.infer<typeof widgetJsonSchema> => ({
	id: w.id,
	kind: w.kind,
	title: w.title,
	source: w.source,
	metric: w.metric,
	saved_query_id: w.savedQueryId
});

const savedQueryJson = (q: SavedQuery): z.infer<typeof savedQueryJsonSchema> => ({
	id: q.id,
	name: q.name,
	description: q.description,
	mode: q.mode,
	sql: q.sql,
	parameters: q.parameters.map((p) => ({ name: p.name, type: p.type })),
	row_limit: q.rowLimit,
	timeout_ms: q.timeoutMs,
	updated_at: iso(q.updatedAt)
});

const dashboardParams = z.object({
	dashboard: z
		.string()
		.regex(/^(home|[0-9a-f-]{36})$/, 'Use the dashboard’s id (a UUID) or home.')
		.meta({ description: 'The dashboard’s id, or `home`.' })
});
const queryParams = z.object({ query: uuid('saved query') });

async function detail(
	trx: Parameters<typeof getDashboard>[0],
	tenantId: string,
	id: string
): Promise<z.infer<typeof dashboardDetailSchema>> {
	const found = (await getDashboard(trx, tenantId, id)) ?? notFound('dashboard');
	return { ...dashboardJson(found.dashboard), widgets: found.widgets.map(widgetJson) };
}

export const listDashboardsEndpoint = listEndpoint(
	{
		path: '/dashboards',
		operationId: 'listDashboards',
		summary: 'The organisation’s dashboards, the home one first (dashboards.read)',
		tag: TAG,
		item: dashboardJsonSchema,
		pageId: 'DashboardPage'
	},
	async ({ trx, tenant }) => (await listDashboards(trx, tenant.id)).map(dashboardJson),
	(d) => `${d.is_default ? 0 : 1}:${d.name.toLowerCase()}:${d.id}`
);

export const createDashboardEndpoint = endpoint(
	{
		method: 'POST',
		path: '/dashboards',
		operationId: 'createDashboard',
		summary: 'Create a dashboard (dashboards.manage)',
		tag: TAG,
		body: z
			.object({
				name: z.string().trim().min(1).max(100),
				description: z.string().max(1000).optional(),
				time_range: timeRange.default('30d')
			})
			.strict()
			.meta({ id: 'DashboardInput' }),
		response: dashboardDetailSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const id = await createDashboard(trx, tenant.id, {
			name: body.name,
			description: body.description,
			timeRange: body.time_range
		});
		return detail(trx, tenant.id, id);
	}
);

export const getDashboardEndpoint = endpoint(
	{
		method: 'GET',
		path: '/dashboards/{dashboard}',
		operationId: 'getDashboard',
		summary: 'A dashboard with its widgets and layout (dashboards.read)',
		tag: TAG,
		params: dashboardParams,
		response: dashboardDetailSchema
	},
	async ({ trx, tenant, params }) => detail(trx, tenant.id, params.dashboard)
);

export const updateDashboardEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/dashboards/{dashboard}',
		operationId: 'updateDashboard',
		summary: 'Rename, set the default range, the auto refresh or the layout (dashboards.manage)',
		description:
			'`refresh_seconds` is one of 0 (off), 30, 60, 300 or 900. A layout lists every widget’s cell on the 12-column grid (TN521).',
		tag: TAG,
		params: dashboardParams,
		body: z
			.object({
				name: z.string().trim().min(1).max(100).optional(),
				time_range: timeRange.optional(),
				refresh_seconds: z
					.int()
					.refine((n) => (REFRESH_CHOICES as readonly number[]).includes(n), {
						error: 'Use 0, 30, 60, 300 or 900.'
					})
					.optional(),
				layout: z.array(cellSchema).max(50).optional()
			})
			.strict()
			.meta({ id: 'DashboardPatch' }),
		response: dashboardDetailSchema
	},
	async ({ trx, tenant, params, body }) => {
		const changed = await updateDashboard(trx, tenant.id, params.dashboard, {
			name: body.name,
			timeRange: body.time_range,
			refreshSeconds: body.refresh_seconds,
			layout: body.layout
		});
		if (!changed) notFound('dashboard');
		return detail(trx, tenant.id, params.dashboard);
	}
);

export const deleteDashboardEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/dashboards/{dashboard}',
		operationId: 'deleteDashboard',
		summary: 'Delete a dashboard with its widgets and links; not the home one (dashboards.manage)',
		tag: TAG,
		params: dashboardParams
	},
	async ({ trx, tenant, params }) => {
		if (!(await deleteDashboard(trx, tenant.id, params.dashboard))) notFound('dashboard');
	}
);

export const addWidgetEndpoint = endpoint(
	{
		method: 'POST',
		path: '/dashboards/{dashboard}/widgets',
		operationId: 'addWidget',
		summary: 'Add a widget over a metric or a saved query, below the others (dashboards.manage)',
		tag: TAG,
		params: dashboardParams,
		body: z
			.object({
				title: z.string().trim().min(1).max(100),
				kind: z.enum(WIDGET_KINDS),
				metric: z
					.string()
					.refine((m) => m in METRICS, { error: 'No such metric.' })
					.optional(),
				saved_query_id: uuid('saved query').optional()
			})
			.strict()
			.refine((b) => (b.metric === undefined) !== (b.saved_query_id === undefined), {
				error: 'Give a metric or a saved_query_id, not both.'
			})
			.meta({ id: 'WidgetInput' }),
		response: widgetJsonSchema,
		status: 201
	},
	async ({ trx, tenant, params, body }) => {
		const id = await addWidget(trx, tenant.id, params.dashboard, {
			title: body.title,
			kind: body.kind,
			metric: body.metric,
			savedQueryId: body.saved_query_id
		});
		if (!id) notFound('dashboard');
		const found = await getDashboard(trx, tenant.id, params.dashboard);
		const widget = found?.widgets.find((w) => w.id === id) ?? notFound('widget');
		return widgetJson(widget);
	}
);

export const removeWidgetEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/dashboards/{dashboard}/widgets/{widget}',
		operationId: 'removeWidget',
		summary: 'Remove a widget and its cell (dashboards.manage)',
		tag: TAG,
		params: dashboardParams.extend({ widget: uuid('widget') })
	},
	async ({ trx, tenant, params }) => {
		if (!(await removeWidget(trx, tenant.id, params.dashboard, params.widget))) notFound('widget');
	}
);

export const listSavedQueriesEndpoint = listEndpoint(
	{
		path: '/saved-queries',
		operationId: 'listSavedQueries',
		summary: 'The organisation’s saved queries (dashboards.read)',
		tag: TAG,
		item: savedQueryJsonSchema,
		pageId: 'SavedQueryPage'
	},
	async ({ trx, tenant }) => (await listSavedQueries(trx, tenant.id)).map(savedQueryJson),
	(q) => `${q.name.toLowerCase()}:${q.id}`
);

export const createSavedQueryEndpoint = endpoint(
	{
		method: 'POST',
		path: '/saved-queries',
		operationId: 'createSavedQuery',
		summary: 'Save a SQL query over the analytics views (queries.manage)',
		description:
			"Checked before it is saved: one SELECT over schema analytics, allow-listed functions only (TN524–TN526). Parameters are read in the query with analytics.param_<type>('name').",
		tag: TAG,
		body: z
			.object({
				name: z.string().trim().min(1).max(100),
				description: z.string().max(1000).optional(),
				sql: z.string().min(1).max(20000),
				parameters: z
					.array(
						z.object({
							name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/),
							type: z.enum(PARAMETER_TYPE_NAMES)
						})
					)
					.max(20)
					.default([]),
				row_limit: z.int().min(1).max(10000).optional()
			})
			.strict()
			.meta({ id: 'SavedQueryInput' }),
		response: savedQueryJsonSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const id = await createSavedQuery(trx, tenant.id, {
			name: body.name,
			description: body.description,
			mode: 'sql',
			sql: body.sql,
			parameters: body.parameters,
			rowLimit: body.row_limit
		});
		return savedQueryJson((await getSavedQuery(trx, tenant.id, id)) ?? notFound('saved query'));
	}
);

export const getSavedQueryEndpoint = endpoint(
	{
		method: 'GET',
		path: '/saved-queries/{query}',
		operationId: 'getSavedQuery',
		summary: 'A saved query (dashboards.read)',
		tag: TAG,
		params: queryParams,
		response: savedQueryJsonSchema
	},
	async ({ trx, tenant, params }) =>
		savedQueryJson((await getSavedQuery(trx, tenant.id, params.query)) ?? notFound('saved query'))
);

export const runSavedQueryEndpoint = endpoint(
	{
		method: 'POST',
		path: '/saved-queries/{query}/run',
		operationId: 'runSavedQuery',
		summary: 'Run a saved query with typed parameters, as JSON or CSV (dashboards.read)',
		description:
			'Runs read-only as tenantry_analytics over the views, with the query’s timeout and row limit; `values` are checked against the declared types (TN527) and bound, never written into the text. `format=csv` answers text/csv.',
		tag: TAG,
		params: queryParams,
		query: z.object({ format: z.enum(['json', 'csv']).default('json') }),
		body: z
			.object({
				values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
				time_range: timeRange.default('30d')
			})
			.strict()
			.meta({ id: 'SavedQueryRun' }),
		response: z
			.object({
				columns: z.array(z.string()),
				rows: z.array(z.record(z.string(), z.unknown())),
				truncated: z.boolean(),
				elapsed_ms: z.int()
			})
			.meta({ id: 'SavedQueryResult' }),
		media: { 'text/csv': 'The header and one line per row (with format=csv).' }
	},
	async ({ trx, tenant, params, query, body }) => {
		const saved = (await getSavedQuery(trx, tenant.id, params.query)) ?? notFound('saved query');
		// A refusal of the runner (TN524–TN528) carries its code: a 422 problem.
		const result = await runQuery(trx, {
			tenantId: tenant.id,
			sql: saved.sql,
			parameters: saved.parameters,
			values: body.values,
			range: rangeBounds(body.time_range),
			rowLimit: saved.rowLimit,
			timeoutMs: saved.timeoutMs
		});
		if (query.format === 'csv') {
			return new Response(resultCsv(result.columns, result.rows), {
				headers: {
					'content-type': 'text/csv; charset=utf-8',
					'content-disposition': `attachment; filename="query-${saved.id}.csv"`
				}
			});
		}
		return {
			columns: result.columns,
			rows: JSON.parse(JSON.stringify(result.rows)) as Record<string, unknown>[],
			truncated: result.truncated,
			elapsed_ms: result.elapsedMs
		};
	}
);
