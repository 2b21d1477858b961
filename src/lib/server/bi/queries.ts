/**
 * Dashboards, widgets, saved queries and shares in the caller's transaction (RLS: dashboards.read
 * reads, dashboards.manage and queries.manage write — docs/bi.md), and the data a widget shows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { billingOverview } from '../billing/queries';
import { getTenantHome } from '../tenancy/tenants';
import { usageSummary } from '../usage/queries';
import { describeAudit, formatBytes, formatCount, formatMoney } from '$lib/format';
import { QueryRefused } from './run';
import { runSavedQuery } from './sources/dispatch';
import { SourceError } from './sources/types';
import type { QueryParameter } from '$lib/bi/parameters';
import {
	METRICS,
	RANGE_DAYS,
	nextCell,
	type LayoutCell,
	type TimeRange,
	type WidgetKind
} from '$lib/bi/metrics';
import type { WidgetData } from '$lib/bi/data';

export interface Dashboard {
	id: string;
	name: string;
	description: string;
	isDefault: boolean;
	timeRange: TimeRange;
	refreshSeconds: number;
	layout: LayoutCell[];
	updatedAt: string;
	/** The app's default home dashboard, not yet a row (customizeHome makes it one). */
	virtual: boolean;
}

export interface Widget {
	id: string;
	kind: WidgetKind;
	title: string;
	source: 'metric' | 'query';
	metric: string | null;
	savedQueryId: string | null;
	updatedAt: string;
}

export interface SavedQuery {
	id: string;
	name: string;
	description: string;
	mode: 'sql' | 'builder';
	sql: string;
	parameters: QueryParameter[];
	rowLimit: number;
	timeoutMs: number;
	/** The data source it reads; null: the built-in analytics views. */
	dataSourceId: string | null;
	updatedAt: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

function toDashboard(r: Record<string, unknown>): Dashboard {
	return {
		id: String(r.id),
		name: String(r.name),
		description: String(r.description),
		isDefault: Boolean(r.is_default),
		timeRange: r.time_range as TimeRange,
		refreshSeconds: Number(r.refresh_seconds),
		layout: r.layout as LayoutCell[],
		updatedAt: iso(r.updated_at),
		virtual: false
	};
}

/** The route's name of the home dashboard (a row or the default below). */
export const HOME = 'home';

/**
 * The home dashboard until someone customises it: the spec-000 widgets, as
 * private.create_default_dashboard makes them (keep the two alike).
 */
const HOME_WIDGETS: [WidgetKind, string, string, number, number, number, number][] = [
	['kpi', 'Organisation', 'organisation', 0, 0, 6, 2],
	['kpi', 'Billing', 'billing_status', 6, 0, 3, 2],
	['kpi', 'System health', 'system_health', 9, 0, 3, 2],
	['table', 'Usage', 'usage_summary', 0, 2, 6, 4],
	['line', 'Active users', 'active_users', 6, 2, 6, 4],
	['table', 'Recent activity', 'recent_activity', 0, 6, 6, 4],
	['table', 'Latest projects', 'latest_projects', 6, 6, 6, 2],
	['table', 'Announcements', 'announcements', 6, 8, 6, 2]
];

function defaultHome(): { dashboard: Dashboard; widgets: Widget[] } {
	const epoch = new Date(0).toISOString();
	return {
		dashboard: {
			id: HOME,
			name: 'Overview',
			description: 'The organisation at a glance.',
			isDefault: true,
			timeRange: '30d',
			refreshSeconds: 0,
			layout: HOME_WIDGETS.map(([, , metric, x, y, w, h]) => ({
				widget: `home-${metric}`,
				x,
				y,
				w,
				h
			})),
			updatedAt: epoch,
			virtual: true
		},
		widgets: HOME_WIDGETS.map(([kind, title, metric]) => ({
			id: `home-${metric}`,
			kind,
			title,
			source: 'metric',
			metric,
			savedQueryId: null,
			updatedAt: epoch
		}))
	};
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Makes the home dashboard a row the caller may edit (dashboards.manage, TN002); returns its id. */
export async function customizeHome(trx: Transaction<DB>, tenantId: string): Promise<string> {
	const { rows } = await sql<{
		id: string;
	}>`select public.customize_home_dashboard(${tenantId}) as id`.execute(trx);
	return rows[0]!.id;
}

export async function listDashboards(trx: Transaction<DB>, tenantId: string): Promise<Dashboard[]> {
	const { rows } = await sql<Record<string, unknown>>`
		select * from public.dashboards where tenant_id = ${tenantId} order by is_default desc, lower(name)`.execute(
		trx
	);
	const list = rows.map(toDashboard);
	return list.some((d) => d.isDefault) ? list : [defaultHome().dashboard, ...list];
}

/** A dashboard of the tenant by id, or its home one (HOME); null when RLS hides it. */
export async function getDashboard(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<{ dashboard: Dashboard; widgets: Widget[] } | null> {
	if (id !== HOME && !UUID.test(id)) return null;
	const { rows } =
		id === HOME
			? await sql<Record<string, unknown>>`
				select * from public.dashboards where tenant_id = ${tenantId} and is_default`.execute(trx)
			: await sql<Record<string, unknown>>`
				select * from public.dashboards where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(trx);
	if (!rows[0]) return id === HOME ? defaultHome() : null;
	const dashboard = toDashboard(rows[0]);
	const { rows: widgets } = await sql<Record<string, unknown>>`
		select * from public.dashboard_widgets where tenant_id = ${tenantId} and dashboard_id = ${dashboard.id}
		order by created_at`.execute(trx);
	return {
		dashboard,
		widgets: widgets.map((w) => ({
			id: String(w.id),
			kind: w.kind as WidgetKind,
			title: String(w.title),
			source: w.source as Widget['source'],
			metric: (w.metric as string | null) ?? null,
			savedQueryId: (w.saved_query_id as string | null) ?? null,
			updatedAt: iso(w.updated_at)
		}))
	};
}

export async function createDashboard(
	trx: Transaction<DB>,
	tenantId: string,
	input: { name: string; description?: string; timeRange: TimeRange }
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		insert into public.dashboards (tenant_id, name, description, time_range)
		values (${tenantId}, ${input.name}, ${input.description ?? ''}, ${input.timeRange}) returning id`.execute(
		trx
	);
	return rows[0]!.id;
}

/** False when RLS hid the dashboard (or it is not the tenant's). */
export async function updateDashboard(
	trx: Transaction<DB>,
	tenantId: string,
	id: string,
	input: { name?: string; timeRange?: TimeRange; refreshSeconds?: number; layout?: LayoutCell[] }
): Promise<boolean> {
	if (!UUID.test(id)) return false;
	const result = await sql`
		update public.dashboards set
			name = coalesce(${input.name ?? null}, name),
			time_range = coalesce(${input.timeRange ?? null}, time_range),
			refresh_seconds = coalesce(${input.refreshSeconds ?? null}::int, refresh_seconds),
			layout = coalesce(${input.layout ? JSON.stringify(input.layout) : null}::jsonb, layout)
		where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(trx);
	return Number(result.numAffectedRows ?? 0) > 0;
}

export async function deleteDashboard(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	if (!UUID.test(id)) return false;
	const result =
		await sql`delete from public.dashboards where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(
			trx
		);
	return Number(result.numAffectedRows ?? 0) > 0;
}

/** Adds a widget and its cell below the others; null when the dashboard is hidden. */
export async function addWidget(
	trx: Transaction<DB>,
	tenantId: string,
	dashboardId: string,
	input: { kind: WidgetKind; title: string; metric?: string; savedQueryId?: string }
): Promise<string | null> {
	const found = await getDashboard(trx, tenantId, dashboardId);
	if (!found || found.dashboard.virtual) return null;
	const source = input.savedQueryId ? 'query' : 'metric';
	const { rows } = await sql<{ id: string }>`
		insert into public.dashboard_widgets (tenant_id, dashboard_id, kind, title, source, metric, saved_query_id)
		values (${tenantId}, ${dashboardId}, ${input.kind}, ${input.title}, ${source},
			${source === 'metric' ? (input.metric ?? null) : null}, ${input.savedQueryId ?? null}::uuid)
		returning id`.execute(trx);
	const id = rows[0]!.id;
	const layout = [...found.dashboard.layout, nextCell(found.dashboard.layout, id)];
	await updateDashboard(trx, tenantId, dashboardId, { layout });
	return id;
}

export async function removeWidget(
	trx: Transaction<DB>,
	tenantId: string,
	dashboardId: string,
	widgetId: string
): Promise<boolean> {
	const found = await getDashboard(trx, tenantId, dashboardId);
	if (!found || found.dashboard.virtual || !UUID.test(widgetId)) return false;
	const result = await sql`delete from public.dashboard_widgets
		where tenant_id = ${tenantId} and dashboard_id = ${dashboardId} and id = ${widgetId}::uuid`.execute(
		trx
	);
	if (Number(result.numAffectedRows ?? 0) === 0) return false;
	await updateDashboard(trx, tenantId, dashboardId, {
		layout: found.dashboard.layout.filter((c) => c.widget !== widgetId)
	});
	return true;
}

function toSavedQuery(r: Record<string, unknown>): SavedQuery {
	return {
		id: String(r.id),
		name: String(r.name),
		description: String(r.description),
		mode: r.mode as SavedQuery['mode'],
		sql: String(r.sql),
		parameters: r.parameters as QueryParameter[],
		rowLimit: Number(r.row_limit),
		timeoutMs: Number(r.timeout_ms),
		dataSourceId: (r.data_source_id as string | null) ?? null,
		updatedAt: iso(r.updated_at)
	};
}

export async function listSavedQueries(
	trx: Transaction<DB>,
	tenantId: string
): Promise<SavedQuery[]> {
	const { rows } = await sql<Record<string, unknown>>`
		select * from public.saved_queries where tenant_id = ${tenantId} order by lower(name)`.execute(trx);
	return rows.map(toSavedQuery);
}

export async function getSavedQuery(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<SavedQuery | null> {
	const { rows } = await sql<Record<string, unknown>>`
		select * from public.saved_queries where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(trx);
	return rows[0] ? toSavedQuery(rows[0]) : null;
}

/** Saves a query after checking it (TN524–TN526); returns its id. */
export async function createSavedQuery(
	trx: Transaction<DB>,
	tenantId: string,
	input: {
		name: string;
		description?: string;
		mode: SavedQuery['mode'];
		sql: string;
		builder?: unknown;
		parameters: QueryParameter[];
		rowLimit?: number;
	}
): Promise<string> {
	await sql`select private.analytics_check(${tenantId}, ${input.sql})`.execute(trx);
	const { rows } = await sql<{ id: string }>`
		insert into public.saved_queries (tenant_id, name, description, mode, sql, builder, parameters, row_limit)
		values (${tenantId}, ${input.name}, ${input.description ?? ''}, ${input.mode}, ${input.sql},
			${input.builder ? JSON.stringify(input.builder) : null}::jsonb, ${JSON.stringify(input.parameters)}::jsonb,
			${input.rowLimit ?? 1000}) returning id`.execute(trx);
	return rows[0]!.id;
}

export async function deleteSavedQuery(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	const result =
		await sql`delete from public.saved_queries where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(
			trx
		);
	return Number(result.numAffectedRows ?? 0) > 0;
}

/** The time range as an instant interval: [the first day's start in UTC, now]. */
export function rangeBounds(range: TimeRange, now = new Date()): { start: string; end: string } {
	const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
	start.setUTCDate(start.getUTCDate() - (RANGE_DAYS[range] - 1));
	return { start: start.toISOString(), end: now.toISOString() };
}

/**
 * Widgets' data for a minute (cacheKey): a dashboard reopened or refreshed within the minute reads
 * no rows for its metric and query widgets.
 */
const cache = new Map<string, { at: number; data: WidgetData }>();
const CACHE_MS = 60_000;
const CACHE_SIZE = 1000;

export function clearWidgetCache(): void {
	cache.clear();
}

export interface WidgetContext {
	tenantId: string;
	/** Who the data is for (the cache key): the person's id. */
	viewer: string;
	range: TimeRange;
	permissions: string[];
}

async function metricSeries(
	trx: Transaction<DB>,
	tenantId: string,
	metric: string,
	range: TimeRange,
	shift = 0
): Promise<{ day: string; value: number }[]> {
	const days = RANGE_DAYS[range];
	const column = ['active_users', 'api_calls', 'emails_sent', 'storage_bytes'].includes(metric)
		? metric
		: null;
	const { rows } = await sql<{ day: string; value: string | null }>`
		with bounds as (
			select (now() at time zone 'UTC')::date - ${shift * days}::int as last
		)
		select to_char(g.day, 'YYYY-MM-DD') as day,
			coalesce(${column ? sql`(to_jsonb(d) ->> ${column})::numeric` : sql`(d.meters ->> ${metric})::numeric`}, 0) as value
		from bounds b
		cross join generate_series(b.last - ${days - 1}::int, b.last, interval '1 day') g(day)
		left join public.tenant_usage_daily d on d.tenant_id = ${tenantId} and d.day = g.day::date
		order by g.day`.execute(trx);
	return rows.map((r) => ({ day: r.day, value: Number(r.value ?? 0) }));
}

const aggregateOf = (values: number[], how: 'sum' | 'last' | 'panel') =>
	how === 'sum' ? values.reduce((a, b) => a + b, 0) : (values.at(-1) ?? 0);

async function panelData(
	trx: Transaction<DB>,
	widget: Widget,
	ctx: WidgetContext
): Promise<WidgetData> {
	const can = (code: string) => ctx.permissions.includes(code);
	switch (widget.metric) {
		case 'usage_summary': {
			if (!can('usage.read'))
				return { type: 'denied', message: 'Shown to people who can read usage.' };
			const usage = await usageSummary(trx, ctx.tenantId);
			const amount = (n: number, unit: string) =>
				unit === 'bytes' ? formatBytes(n) : `${formatCount(n)} ${unit}`;
			return {
				type: 'table',
				columns: ['Metric', 'Used', 'Limit', 'Of the limit'],
				rows: usage.metrics.map((m) => ({
					Metric: m.name,
					Used: amount(m.current, m.unit),
					Limit: m.hardLimit === null ? 'none' : amount(m.hardLimit, m.unit),
					'Of the limit': m.hardLimit ? `${Math.round((m.current / m.hardLimit) * 100)}%` : '—'
				})),
				truncated: false
			};
		}
		case 'billing_status': {
			if (!can('billing.read'))
				return { type: 'denied', message: 'Shown to people who can read billing.' };
			const s = (await billingOverview(trx, ctx.tenantId)).subscription;
			const end = s?.currentPeriodEnd?.slice(0, 10);
			return {
				type: 'text',
				value: s ? `${s.planName}: ${s.status.replace('_', ' ')}` : 'No subscription',
				detail: !s
					? 'Choose a plan to go past the free limits.'
					: s.cancelAtPeriodEnd && end
						? `Ends on ${end}; no further invoices.`
						: s.trialEnd && s.status === 'trialing'
							? `Trial ends on ${s.trialEnd.slice(0, 10)}.`
							: s.live && end
								? `Next invoice ${formatMoney(s.price, s.currency)} on ${end}.`
								: null
			};
		}
		case 'organisation': {
			const home = await getTenantHome(trx, ctx.tenantId);
			return {
				type: 'figures',
				items: [
					{ label: 'Members', value: home.counts.members, hint: null },
					can('members.read')
						? { label: 'Pending invitations', value: home.counts.invitations, hint: null }
						: {
								label: 'Pending invitations',
								value: null,
								hint: 'Shown to people who can read members.'
							},
					{ label: 'Projects', value: home.counts.projects, hint: null }
				]
			};
		}
		case 'recent_activity': {
			if (!can('audit.read'))
				return { type: 'denied', message: 'Shown to people who can read the audit log.' };
			const { activity } = await getTenantHome(trx, ctx.tenantId);
			return {
				type: 'table',
				columns: ['What happened', 'When (UTC)'],
				rows: activity.map((e) => ({
					'What happened': describeAudit({
						action: e.action,
						actor: e.actor,
						actorType: e.actorType,
						before: e.before ?? undefined,
						after: e.after ?? undefined
					}),
					'When (UTC)': iso(e.createdAt).slice(0, 16).replace('T', ' ')
				})),
				truncated: false
			};
		}
		case 'latest_projects': {
			const { projects } = await getTenantHome(trx, ctx.tenantId);
			return {
				type: 'table',
				columns: ['Project', 'Slug'],
				rows: projects.map((p) => ({ Project: p.name, Slug: p.slug })),
				truncated: false
			};
		}
		case 'system_health': {
			const { rows } = await sql<{ ok: boolean }>`select true as ok`.execute(trx);
			return { type: 'text', value: rows[0]?.ok ? 'All systems normal' : 'Degraded', detail: null };
		}
		case 'announcements': {
			const { rows } = await sql<{ title: string; body: string; published_at: Date }>`
				select title, body, published_at from public.tenant_announcements(${ctx.tenantId})`.execute(trx);
			return {
				type: 'table',
				columns: ['Announcement', 'Published'],
				rows: rows.map((r) => ({
					Announcement: r.body ? `${r.title} — ${r.body}` : r.title,
					Published: iso(r.published_at).slice(0, 10)
				})),
				truncated: false
			};
		}
		default:
			return { type: 'error', message: `No metric ${widget.metric}.` };
	}
}

function fromRows(
	kind: WidgetKind,
	columns: string[],
	rows: Record<string, unknown>[],
	truncated: boolean
): WidgetData {
	if (kind === 'table' || columns.length === 0) return { type: 'table', columns, rows, truncated };
	if (kind === 'kpi') {
		const value = Number(rows[0]?.[columns[0]!] ?? 0);
		const previous = columns[1] !== undefined && rows[0] ? Number(rows[0][columns[1]]) : null;
		return { type: 'kpi', value, previous, unit: 'count' };
	}
	const [x, ...ys] = columns;
	if (kind === 'pie') {
		return {
			type: 'pie',
			slices: rows.map((r) => ({ label: String(r[x!]), value: Number(r[ys[0] ?? x!] ?? 0) }))
		};
	}
	return {
		type: 'series',
		kind,
		unit: 'count',
		series: ys.map((y) => ({
			label: y,
			points: rows.map((r) => ({ x: iso(r[x!]).slice(0, 10), y: Number(r[y] ?? 0) }))
		}))
	};
}

/**
 * The cache key of a widget's data: who asks and with which permissions in which tenant (their
 * rights decide the rows), the widget and its query as they are now, and the time range.
 */
function cacheKey(widget: Widget, ctx: WidgetContext, query: SavedQuery | null): string {
	const rights = [...ctx.permissions].sort().join(',');
	const source = query ? `${query.id}@${query.updatedAt}` : `metric:${widget.metric}`;
	return `${ctx.tenantId}|${ctx.viewer}|${rights}|${widget.id}@${widget.updatedAt}|${source}|${ctx.range}`;
}

async function computeWidget(
	trx: Transaction<DB>,
	widget: Widget,
	ctx: WidgetContext,
	query: SavedQuery | null
): Promise<WidgetData> {
	if (widget.source === 'metric') {
		const info = METRICS[widget.metric ?? '']!;
		if (!ctx.permissions.includes('usage.read')) {
			return { type: 'denied', message: 'Shown to people who can read usage.' };
		}
		const current = await metricSeries(trx, ctx.tenantId, widget.metric!, ctx.range);
		if (widget.kind === 'kpi') {
			const previous = await metricSeries(trx, ctx.tenantId, widget.metric!, ctx.range, 1);
			return {
				type: 'kpi',
				value: aggregateOf(
					current.map((p) => p.value),
					info.aggregate
				),
				previous: aggregateOf(
					previous.map((p) => p.value),
					info.aggregate
				),
				unit: info.unit
			};
		}
		const rows = current.map((p) => ({ day: p.day, [widget.metric!]: p.value }));
		return fromRows(widget.kind, ['day', widget.metric!], rows, false);
	}
	try {
		const result = await runSavedQuery(trx, query!, {
			tenantId: ctx.tenantId,
			parameters: query!.parameters,
			range: rangeBounds(ctx.range),
			rowLimit: query!.rowLimit,
			timeoutMs: query!.timeoutMs
		});
		return fromRows(widget.kind, result.columns, result.rows, result.truncated);
	} catch (error) {
		if (error instanceof QueryRefused || error instanceof SourceError)
			return { type: 'error', message: error.message };
		const code = (error as { code?: string }).code ?? '';
		if (/^TN5[23]\d$/.test(code) || code === 'TN002') {
			return { type: 'error', message: (error as Error).message };
		}
		throw error;
	}
}

/**
 * The data of one widget under the caller's rights; a refusal becomes the widget's message.
 * Metric series and query results are cached (cacheKey); the panels, cheap and live, are not.
 * `queries`: the widgets' saved queries read beforehand (dashboardData reads them in one go).
 */
export async function widgetData(
	trx: Transaction<DB>,
	widget: Widget,
	ctx: WidgetContext,
	queries?: Map<string, SavedQuery>
): Promise<WidgetData> {
	let query: SavedQuery | null = null;
	if (widget.source === 'metric') {
		const info = METRICS[widget.metric ?? ''];
		if (!info) return { type: 'error', message: `No metric ${widget.metric}.` };
		if (info.aggregate === 'panel') return panelData(trx, widget, ctx);
	} else {
		query =
			(queries
				? queries.get(widget.savedQueryId!)
				: await getSavedQuery(trx, ctx.tenantId, widget.savedQueryId!)) ?? null;
		if (!query) return { type: 'error', message: 'The saved query is gone.' };
	}
	const key = cacheKey(widget, ctx, query);
	const hit = cache.get(key);
	if (hit && Date.now() - hit.at < CACHE_MS) return hit.data;
	const data = await computeWidget(trx, widget, ctx, query);
	if (data.type !== 'error') {
		if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
		cache.set(key, { at: Date.now(), data });
	}
	return data;
}

export async function dashboardData(
	trx: Transaction<DB>,
	widgets: Widget[],
	ctx: WidgetContext
): Promise<Record<string, WidgetData>> {
	const ids = widgets.flatMap((w) => (w.savedQueryId ? [w.savedQueryId] : []));
	const queries = new Map<string, SavedQuery>();
	if (ids.length > 0) {
		const { rows } = await sql<Record<string, unknown>>`
			select * from public.saved_queries where tenant_id = ${ctx.tenantId} and id = any (${ids}::uuid[])`.execute(
			trx
		);
		for (const row of rows) queries.set(String(row.id), toSavedQuery(row));
	}
	const data: Record<string, WidgetData> = {};
	for (const widget of widgets) data[widget.id] = await widgetData(trx, widget, ctx, queries);
	return data;
}

export interface ShareSnapshot {
	dashboard: { name: string; description: string; timeRange: TimeRange; layout: LayoutCell[] };
	widgets: { id: string; kind: WidgetKind; title: string; data: WidgetData }[];
	takenAt: string;
}

/** Hours between a shared snapshot's refreshes; null: frozen at the time of sharing. */
export const SHARE_REFRESH_HOURS = [1, 6, 12, 24] as const;
export type ShareRefreshHours = (typeof SHARE_REFRESH_HOURS)[number];

export interface Share {
	id: string;
	snapshotAt: string;
	allowedOrigins: string[];
	createdAt: string;
	revokedAt: string | null;
	refreshHours: ShareRefreshHours | null;
	nextRefreshAt: string | null;
	/** Why refreshing stopped (the sharer lost the right or left), or null. */
	refreshStopped: string | null;
}

/** The refresh state a shared page shows under its "as of" time. */
export interface ShareRefresh {
	hours: ShareRefreshHours | null;
	stoppedAt: string | null;
	stoppedReason: string | null;
}

/**
 * A dashboard's data as the caller sees it now, under their rights (their transaction, RLS and
 * their permissions deciding): what a link shows, taken when sharing and at each refresh.
 */
export async function takeSnapshot(
	trx: Transaction<DB>,
	found: { dashboard: Dashboard; widgets: Widget[] },
	ctx: WidgetContext,
	now = new Date()
): Promise<ShareSnapshot> {
	const { dashboard, widgets } = found;
	const data = await dashboardData(trx, widgets, { ...ctx, range: dashboard.timeRange });
	return {
		dashboard: {
			name: dashboard.name,
			description: dashboard.description,
			timeRange: dashboard.timeRange,
			layout: dashboard.layout
		},
		widgets: widgets.map((w) => ({ id: w.id, kind: w.kind, title: w.title, data: data[w.id]! })),
		takenAt: now.toISOString()
	};
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/** Shares a dashboard: the snapshot of its data as the caller sees it now; returns the link's token (shown once). */
export async function createShare(
	trx: Transaction<DB>,
	tenantId: string,
	dashboardId: string,
	snapshot: ShareSnapshot,
	allowedOrigins: string[],
	refreshHours: ShareRefreshHours | null = null
): Promise<string> {
	const token = randomBytes(32).toString('base64url');
	await sql`insert into public.dashboard_shares (tenant_id, dashboard_id, token_hash, snapshot, allowed_origins,
			refresh_hours)
		values (${tenantId}, ${dashboardId}, ${hashToken(token)}, ${JSON.stringify(snapshot)}::jsonb,
			${allowedOrigins}::text[], ${refreshHours})`.execute(trx);
	return token;
}

export async function listShares(
	trx: Transaction<DB>,
	tenantId: string,
	dashboardId: string
): Promise<Share[]> {
	const { rows } = await sql<Record<string, unknown>>`
		select id, snapshot_at, allowed_origins, created_at, revoked_at, refresh_hours, next_refresh_at,
			refresh_stopped_reason
		from public.dashboard_shares
		where tenant_id = ${tenantId} and dashboard_id = ${dashboardId} order by created_at desc`.execute(
		trx
	);
	return rows.map((r) => ({
		id: String(r.id),
		snapshotAt: iso(r.snapshot_at),
		allowedOrigins: r.allowed_origins as string[],
		createdAt: iso(r.created_at),
		revokedAt: r.revoked_at ? iso(r.revoked_at) : null,
		refreshHours: (r.refresh_hours as ShareRefreshHours | null) ?? null,
		nextRefreshAt: r.next_refresh_at ? iso(r.next_refresh_at) : null,
		refreshStopped: (r.refresh_stopped_reason as string | null) ?? null
	}));
}

export async function revokeShare(
	trx: Transaction<DB>,
	tenantId: string,
	shareId: string
): Promise<boolean> {
	const result = await sql`update public.dashboard_shares set revoked_at = now()
		where tenant_id = ${tenantId} and id = ${shareId}::uuid and revoked_at is null`.execute(trx);
	return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * The snapshot behind a link, or null when the token is unknown or revoked; run as the bi.share
 * system job (nobody is signed in). Only the stored snapshot is read — never a live query.
 */
export async function readShare(
	trx: Transaction<DB>,
	token: string
): Promise<{
	snapshot: ShareSnapshot;
	snapshotAt: string;
	allowedOrigins: string[];
	refresh: ShareRefresh;
} | null> {
	if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
	const { rows } = await sql<{
		snapshot: ShareSnapshot;
		snapshot_at: Date;
		allowed_origins: string[];
		refresh_hours: ShareRefreshHours | null;
		refresh_stopped_at: Date | null;
		refresh_stopped_reason: string | null;
	}>`
		select snapshot, snapshot_at, allowed_origins, refresh_hours, refresh_stopped_at, refresh_stopped_reason
		from public.dashboard_shares
		where token_hash = ${hashToken(token)} and revoked_at is null`.execute(trx);
	const row = rows[0];
	return row
		? {
				snapshot: row.snapshot,
				snapshotAt: iso(row.snapshot_at),
				allowedOrigins: row.allowed_origins,
				refresh: {
					hours: row.refresh_hours,
					stoppedAt: row.refresh_stopped_at ? iso(row.refresh_stopped_at) : null,
					stoppedReason: row.refresh_stopped_reason
				}
			}
		: null;
}
