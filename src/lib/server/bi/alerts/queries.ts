/**
 * Alerts, their channels and their history in the caller's transaction (RLS: dashboards.read
 * reads, alerts.manage writes — docs/bi-alerts.md). The evaluator's state is read here and
 * written only by the bi.alerts job (evaluate.ts).
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../../platform/list';
import type { AlertInput, ChannelKind } from './schemas';

export interface Alert {
	id: string;
	name: string;
	source: 'metric' | 'query' | 'widget';
	metric: string | null;
	savedQueryId: string | null;
	widgetId: string | null;
	sourceLabel: string;
	kind: 'threshold' | 'anomaly' | 'schedule';
	comparison: 'above' | 'below' | null;
	threshold: number | null;
	forMinutes: number;
	anomalyThreshold: number;
	anomalyWeeks: number;
	scheduleCron: string | null;
	enabled: boolean;
	muted: boolean;
	snoozedUntil: string | null;
	state: 'ok' | 'pending' | 'firing';
	lastValue: number | null;
	lastEvaluatedAt: string | null;
	lastError: string | null;
	nextRunAt: string | null;
	channels: ChannelKind[];
	slackIntegrationId: string | null;
	slackChannel: string | null;
	createdAt: string;
	updatedAt: string;
}

export interface AlertEvent {
	id: string;
	alertId: string;
	alertName: string;
	status: 'firing' | 'resolved' | 'sent';
	value: number | null;
	resolvedValue: number | null;
	startedAt: string;
	resolvedAt: string | null;
	notified: boolean;
	detail: Record<string, unknown>;
}

const iso = (v: unknown) =>
	v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toAlert(r: Record<string, unknown>): Alert {
	return {
		id: String(r.id),
		name: String(r.name),
		source: r.source as Alert['source'],
		metric: (r.metric as string | null) ?? null,
		savedQueryId: (r.saved_query_id as string | null) ?? null,
		widgetId: (r.widget_id as string | null) ?? null,
		sourceLabel: String(r.source_label ?? r.metric ?? ''),
		kind: r.kind as Alert['kind'],
		comparison: (r.comparison as Alert['comparison']) ?? null,
		threshold: num(r.threshold),
		forMinutes: Number(r.for_minutes),
		anomalyThreshold: Number(r.anomaly_threshold),
		anomalyWeeks: Number(r.anomaly_weeks),
		scheduleCron: (r.schedule_cron as string | null) ?? null,
		enabled: Boolean(r.enabled),
		muted: Boolean(r.muted),
		snoozedUntil: iso(r.snoozed_until),
		state: r.state as Alert['state'],
		lastValue: num(r.last_value),
		lastEvaluatedAt: iso(r.last_evaluated_at),
		lastError: (r.last_error as string | null) ?? null,
		nextRunAt: iso(r.next_run_at),
		channels: (r.channels as ChannelKind[] | null) ?? [],
		slackIntegrationId: (r.slack_integration_id as string | null) ?? null,
		slackChannel: (r.slack_channel as string | null) ?? null,
		createdAt: iso(r.created_at)!,
		updatedAt: iso(r.updated_at)!
	};
}

const SELECT_ALERTS = sql`
	select a.*, coalesce(q.name, w.title, a.metric) as source_label,
	       coalesce((select array_agg(c.kind order by c.kind) from public.alert_channels c
	                 where c.tenant_id = a.tenant_id and c.alert_id = a.id), '{}') as channels,
	       s.slack_integration_id, s.slack_channel
	from public.alerts a
	left join public.saved_queries q on q.tenant_id = a.tenant_id and q.id = a.saved_query_id
	left join public.dashboard_widgets w on w.tenant_id = a.tenant_id and w.id = a.widget_id
	left join public.alert_channels s on s.tenant_id = a.tenant_id and s.alert_id = a.id and s.kind = 'slack'`;

export async function listAlerts(trx: Transaction<DB>, tenantId: string): Promise<Alert[]> {
	const { rows } = await sql<Record<string, unknown>>`${SELECT_ALERTS}
		where a.tenant_id = ${tenantId}::uuid order by lower(a.name)`.execute(trx);
	return rows.map(toAlert);
}

export async function getAlert(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<Alert | null> {
	const { rows } = await sql<Record<string, unknown>>`${SELECT_ALERTS}
		where a.tenant_id = ${tenantId}::uuid and a.id = ${id}::uuid`.execute(trx);
	return rows[0] ? toAlert(rows[0]) : null;
}

function columns(input: AlertInput) {
	return {
		name: input.name,
		source: input.source,
		metric: input.source === 'metric' ? (input.metric ?? null) : null,
		saved_query_id: input.source === 'query' ? (input.saved_query_id ?? null) : null,
		widget_id: input.source === 'widget' ? (input.widget_id ?? null) : null,
		kind: input.kind,
		comparison: input.kind === 'threshold' ? (input.comparison ?? null) : null,
		threshold: input.kind === 'threshold' ? (input.threshold ?? null) : null,
		for_minutes: input.for_minutes ?? 0,
		anomaly_threshold: input.anomaly_threshold ?? 3.5,
		anomaly_weeks: input.anomaly_weeks ?? 4,
		schedule_cron: input.kind === 'schedule' ? (input.schedule_cron ?? null) : null
	};
}

/** Replaces the alert's channels with the input's (the Slack one with its integration and channel). */
async function setChannels(
	trx: Transaction<DB>,
	tenantId: string,
	alertId: string,
	input: AlertInput
) {
	const kinds = [...new Set(input.channels)];
	await sql`delete from public.alert_channels where tenant_id = ${tenantId}::uuid and alert_id = ${alertId}::uuid
		and not (kind = any (${kinds}::text[]))`.execute(trx);
	for (const kind of kinds) {
		const slack = kind === 'slack';
		await sql`insert into public.alert_channels (tenant_id, alert_id, kind, slack_integration_id, slack_channel)
			values (${tenantId}::uuid, ${alertId}::uuid, ${kind}, ${slack ? input.slack_integration_id! : null}::uuid,
				${slack ? input.slack_channel! : null})
			on conflict (tenant_id, alert_id, kind) do update
			set slack_integration_id = excluded.slack_integration_id, slack_channel = excluded.slack_channel
			where alert_channels.slack_integration_id is distinct from excluded.slack_integration_id
			   or alert_channels.slack_channel is distinct from excluded.slack_channel`.execute(trx);
	}
}

export async function createAlert(
	trx: Transaction<DB>,
	tenantId: string,
	input: AlertInput
): Promise<string> {
	const c = columns(input);
	const { rows } = await sql<{ id: string }>`
		insert into public.alerts (tenant_id, name, source, metric, saved_query_id, widget_id, kind, comparison, threshold,
			for_minutes, anomaly_threshold, anomaly_weeks, schedule_cron)
		values (${tenantId}::uuid, ${c.name}, ${c.source}, ${c.metric}, ${c.saved_query_id}::uuid, ${c.widget_id}::uuid,
			${c.kind}, ${c.comparison}, ${c.threshold}::numeric, ${c.for_minutes}, ${c.anomaly_threshold}::numeric,
			${c.anomaly_weeks}, ${c.schedule_cron})
		returning id`.execute(trx);
	const id = rows[0]!.id;
	await setChannels(trx, tenantId, id, input);
	return id;
}

/** Updates an alert and its channels; false when RLS hid it (no alerts.manage, or not there). */
export async function updateAlert(
	trx: Transaction<DB>,
	tenantId: string,
	id: string,
	input: AlertInput
): Promise<boolean> {
	const c = columns(input);
	const result = await sql`
		update public.alerts set name = ${c.name}, source = ${c.source}, metric = ${c.metric},
			saved_query_id = ${c.saved_query_id}::uuid, widget_id = ${c.widget_id}::uuid, kind = ${c.kind},
			comparison = ${c.comparison}, threshold = ${c.threshold}::numeric, for_minutes = ${c.for_minutes},
			anomaly_threshold = ${c.anomaly_threshold}::numeric, anomaly_weeks = ${c.anomaly_weeks},
			schedule_cron = ${c.schedule_cron}
		where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
	if (Number(result.numAffectedRows ?? 0) === 0) return false;
	await setChannels(trx, tenantId, id, input);
	return true;
}

export async function deleteAlert(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	const result =
		await sql`delete from public.alerts where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(
			trx
		);
	return Number(result.numAffectedRows ?? 0) > 0;
}

/** Mutes or unmutes, snoozes (until a time) or wakes an alert; false when RLS hid it. */
export async function setAlertQuiet(
	trx: Transaction<DB>,
	tenantId: string,
	id: string,
	change: { muted?: boolean; snoozedUntil?: Date | null; enabled?: boolean }
): Promise<boolean> {
	const result = await sql`
		update public.alerts set
			muted = coalesce(${change.muted ?? null}::boolean, muted),
			enabled = coalesce(${change.enabled ?? null}::boolean, enabled),
			snoozed_until = case when ${change.snoozedUntil !== undefined} then ${change.snoozedUntil?.toISOString() ?? null}::timestamptz
			                     else snoozed_until end
		where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
	return Number(result.numAffectedRows ?? 0) > 0;
}

/** Queues an evaluation now (alerts.manage; TN542 for a disabled alert); returns the job's id. */
export async function evaluateNow(trx: Transaction<DB>, id: string): Promise<string> {
	const { rows } = await sql<{
		job: string;
	}>`select public.evaluate_alert_now(${id}::uuid) as job`.execute(trx);
	return rows[0]!.job;
}

export async function listAlertEvents(
	trx: Transaction<DB>,
	tenantId: string,
	alertId?: string,
	limit = 200
): Promise<AlertEvent[]> {
	const { rows } = await sql<Record<string, unknown>>`
		select e.*, a.name as alert_name from public.alert_events e
		join public.alerts a on a.tenant_id = e.tenant_id and a.id = e.alert_id
		where e.tenant_id = ${tenantId}::uuid and (${alertId ?? null}::uuid is null or e.alert_id = ${alertId ?? null}::uuid)
		order by e.started_at desc, e.id limit ${limit}`.execute(trx);
	return rows.map((r) => ({
		id: String(r.id),
		alertId: String(r.alert_id),
		alertName: String(r.alert_name),
		status: r.status as AlertEvent['status'],
		value: num(r.value),
		resolvedValue: num(r.resolved_value),
		startedAt: iso(r.started_at)!,
		resolvedAt: iso(r.resolved_at),
		notified: Boolean(r.notified),
		detail: (r.detail as Record<string, unknown>) ?? {}
	}));
}

/** What the form offers: the tenant's saved queries, widgets and Slack integrations the caller sees. */
export async function alertChoices(trx: Transaction<DB>, tenantId: string) {
	const { rows: queries } = await sql<{ id: string; name: string }>`
		select id, name from public.saved_queries where tenant_id = ${tenantId}::uuid order by lower(name)`.execute(
		trx
	);
	const { rows: widgets } = await sql<{ id: string; name: string }>`
		select w.id, d.name || ' · ' || w.title as name from public.dashboard_widgets w
		join public.dashboards d on d.tenant_id = w.tenant_id and d.id = w.dashboard_id
		where w.tenant_id = ${tenantId}::uuid and (w.saved_query_id is not null
		      or w.metric in ('api_calls', 'active_users', 'emails_sent', 'storage_bytes', 'compute_minutes'))
		order by 2`.execute(trx);
	const { rows: slack } = await sql<{ id: string; name: string }>`
		select id, name from public.integrations where tenant_id = ${tenantId}::uuid and type = 'slack' order by lower(name)`.execute(
		trx
	);
	return { queries, widgets, slack };
}

export const ALERT_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		state: { column: 'state', type: 'text' },
		evaluated: { column: 'lastEvaluatedAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'sourceLabel', 'kind', 'state'],
	id: { column: 'id', type: 'uuid' }
});

export interface AlertRowSummary extends Record<string, unknown> {
	id: string;
	name: string;
	sourceLabel: string;
	kind: Alert['kind'];
	comparison: Alert['comparison'];
	threshold: string | null;
	forMinutes: number;
	scheduleCron: string | null;
	state: Alert['state'];
	enabled: boolean;
	muted: boolean;
	snoozedUntil: Date | null;
	lastValue: string | null;
	lastEvaluatedAt: Date | null;
	lastError: string | null;
}

/** One page of the tenant's alerts for the list (search, sort and paging in the URL). */
export async function pageAlerts(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<AlertRowSummary>> {
	const query = trx
		.selectFrom(
			sql<AlertRowSummary>`(select a.id, a.name, coalesce(q.name, w.title, a.metric) as "sourceLabel", a.kind,
				a.comparison, a.threshold::text as threshold, a.for_minutes as "forMinutes", a.schedule_cron as "scheduleCron",
				a.state, a.enabled, a.muted, a.snoozed_until as "snoozedUntil", a.last_value::text as "lastValue",
				a.last_evaluated_at as "lastEvaluatedAt", a.last_error as "lastError"
			from public.alerts a
			left join public.saved_queries q on q.tenant_id = a.tenant_id and q.id = a.saved_query_id
			left join public.dashboard_widgets w on w.tenant_id = a.tenant_id and w.id = a.widget_id
			where a.tenant_id = ${tenantId}::uuid)`.as('x')
		)
		.selectAll();
	return (await listPage(trx, query, ALERT_LIST, params)) as ListPage<AlertRowSummary>;
}
