/**
 * The alerts evaluator (docs/bi-alerts.md): reads an alert's value — a platform metric (today's
 * tenant_usage_daily row: a column or a meter), a saved query's first numeric column (run as the
 * alert's author, so their rights apply), or a widget's metric or query — decides (threshold:
 * above / below; anomaly: robust z-score over a seasonal baseline, anomaly.ts; schedule: the cron
 * tick in the tenant's time zone, the workflows' cron code) and records it through
 * private.record_alert_result / record_alert_schedule, which keep the state, open at most one
 * firing and notify. `now` is a parameter so tests drive the clock.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import type { Principal, SystemJob } from '../../platform/rls';
import { enqueueJob } from '../../queue/enqueue';
import { runQuery, QueryRefused } from '../run';
import { rangeBounds } from '../queries';
import { nextTick, parseCron } from '../../../workflows/cron';
import { DAY_MS, HOUR_MS, detectAnomaly } from './anomaly';
import type { QueryParameter } from '$lib/bi/parameters';

/** The two kinds of transaction the evaluator needs (a job's context has both). */
export interface AlertRunner {
	asSystem<T>(job: SystemJob, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
	asUser<T>(claims: Principal, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
}

/** tenant_usage_daily's own columns; any other metric is a meter (its `meters` key). */
export const DAILY_COLUMNS = ['active_users', 'storage_bytes', 'emails_sent', 'api_calls'] as const;
/** Levels and per-person counts have no hourly history: their anomalies are read by the day. */
const DAILY_ONLY = new Set(['active_users', 'storage_bytes', 'emails_sent']);

interface AlertRow {
	id: string;
	tenant_id: string;
	name: string;
	source: 'metric' | 'query' | 'widget';
	metric: string | null;
	saved_query_id: string | null;
	kind: 'threshold' | 'anomaly' | 'schedule';
	comparison: 'above' | 'below' | null;
	threshold: string | null;
	anomaly_threshold: string;
	anomaly_weeks: number;
	schedule_cron: string | null;
	next_run_at: Date | null;
	created_by: string | null;
	timezone: string;
	sql: string | null;
	parameters: QueryParameter[] | null;
	row_limit: number | null;
	timeout_ms: number | null;
}

class ValueError extends Error {}

async function loadAlert(trx: Transaction<DB>, id: string): Promise<AlertRow | null> {
	const { rows } = await sql<AlertRow>`
		select a.id, a.tenant_id, a.name, a.source, coalesce(a.metric, w.metric) as metric,
		       coalesce(a.saved_query_id, w.saved_query_id) as saved_query_id, a.kind, a.comparison,
		       a.threshold::text, a.anomaly_threshold::text, a.anomaly_weeks, a.schedule_cron, a.next_run_at,
		       a.created_by, t.timezone, q.sql, q.parameters, q.row_limit, q.timeout_ms
		from public.alerts a
		join public.tenants t on t.id = a.tenant_id
		left join public.dashboard_widgets w on w.tenant_id = a.tenant_id and w.id = a.widget_id
		left join public.saved_queries q on q.tenant_id = a.tenant_id
		     and q.id = coalesce(a.saved_query_id, w.saved_query_id)
		where a.id = ${id}::uuid and a.enabled`.execute(trx);
	return rows[0] ?? null;
}

/** Today's (UTC) value of a platform metric; 0 before the rollup wrote the day. */
async function metricValue(
	trx: Transaction<DB>,
	tenantId: string,
	metric: string,
	now: Date
): Promise<number> {
	const day = now.toISOString().slice(0, 10);
	const column = (DAILY_COLUMNS as readonly string[]).includes(metric)
		? sql.ref(`d.${metric}`)
		: sql`(d.meters ->> ${metric})::numeric`;
	const { rows } = await sql<{ value: string | null }>`
		select ${column}::text as value from public.tenant_usage_daily d
		where d.tenant_id = ${tenantId}::uuid and d.day = ${day}::date`.execute(trx);
	return Number(rows[0]?.value ?? 0);
}

/** The first numeric column of the query's first row, the query run as the alert's author. */
async function queryValue(runner: AlertRunner, alert: AlertRow, now: Date): Promise<number> {
	if (!alert.sql) throw new ValueError('The alert’s saved query is gone.');
	if (!alert.created_by) throw new ValueError('The alert has no author to run its query as.');
	const parameters = alert.parameters ?? [];
	const run = await runner.asUser({ sub: alert.created_by, role: 'authenticated' }, (trx) =>
		runQuery(trx, {
			tenantId: alert.tenant_id,
			sql: alert.sql!,
			parameters,
			values: Object.fromEntries(parameters.map((p) => [p.name, p.default])),
			range: rangeBounds('24h', now),
			rowLimit: Math.min(alert.row_limit ?? 1000, 1000),
			timeoutMs: alert.timeout_ms ?? 5000
		})
	);
	const row = run.rows[0];
	if (!row) throw new ValueError('The saved query returned no row.');
	for (const column of run.columns) {
		const v = row[column];
		const n =
			typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
		if (typeof v !== 'boolean' && Number.isFinite(n)) return n;
	}
	throw new ValueError('The saved query’s first row has no numeric column.');
}

/** The metric's history for the anomaly baseline: hourly from usage events, or daily. */
async function metricSeries(
	trx: Transaction<DB>,
	alert: AlertRow,
	now: Date
): Promise<{ series: Map<number, number>; at: number; stepMs: number }> {
	const metric = alert.metric!;
	const weeks = alert.anomaly_weeks;
	if (DAILY_ONLY.has(metric)) {
		const at = Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS;
		const { rows } = await sql<{ day: string; value: string }>`
			select d.day::text as day, ${sql.ref(`d.${metric}`)}::text as value from public.tenant_usage_daily d
			where d.tenant_id = ${alert.tenant_id}::uuid
			  and d.day >= ${new Date(at - weeks * 7 * DAY_MS).toISOString().slice(0, 10)}::date
			  and d.day <= ${new Date(at).toISOString().slice(0, 10)}::date`.execute(trx);
		const series = new Map(rows.map((r) => [Date.parse(`${r.day}T00:00:00Z`), Number(r.value)]));
		return { series, at, stepMs: DAY_MS };
	}
	const at = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS;
	const from = new Date(at - weeks * 7 * DAY_MS - HOUR_MS);
	const { rows } = await sql<{ hour: Date; value: string }>`
		select date_bin('1 hour', e.occurred_at, timestamptz '2000-01-01T00:00:00Z') as hour, sum(e.quantity)::text as value
		from public.usage_events e
		where e.tenant_id = ${alert.tenant_id}::uuid and e.metric = ${metric}
		  and e.occurred_at >= ${from.toISOString()}::timestamptz
		  and e.occurred_at < ${new Date(at + HOUR_MS).toISOString()}::timestamptz
		group by 1`.execute(trx);
	const series = new Map(rows.map((r) => [new Date(r.hour).getTime(), Number(r.value)]));
	// Hours without events are hours of 0.
	for (let t = from.getTime(); t <= at; t += HOUR_MS) if (!series.has(t)) series.set(t, 0);
	return { series, at, stepMs: HOUR_MS };
}

async function readValue(runner: AlertRunner, alert: AlertRow, now: Date): Promise<number> {
	if (alert.saved_query_id) return queryValue(runner, alert, now);
	if (!alert.metric) throw new ValueError('The alert’s widget is gone.');
	return runner.asSystem('bi.alerts', (trx) =>
		metricValue(trx, alert.tenant_id, alert.metric!, now)
	);
}

function message(error: unknown): string {
	if (error instanceof ValueError || error instanceof QueryRefused) return error.message;
	return error instanceof Error ? error.message : String(error);
}

export type AlertOutcome =
	| 'ok'
	| 'pending'
	| 'firing'
	| 'fired'
	| 'resolved'
	| 'scheduled'
	| 'sent'
	| 'taken'
	| 'error'
	| 'gone';

/** Evaluates one alert at `now` and records it; returns what happened. */
export async function evaluateAlert(
	runner: AlertRunner,
	alertId: string,
	now = new Date()
): Promise<AlertOutcome> {
	const alert = await runner.asSystem('bi.alerts', (trx) => loadAlert(trx, alertId));
	if (!alert) return 'gone';
	if (alert.kind === 'schedule') return evaluateSchedule(runner, alert, now);
	let value: number | null = null;
	let breached = false;
	let detail: Record<string, unknown> = {};
	let error: string | null = null;
	try {
		if (alert.kind === 'threshold') {
			value = await readValue(runner, alert, now);
			const threshold = Number(alert.threshold);
			breached = alert.comparison === 'above' ? value > threshold : value < threshold;
			detail = { comparison: alert.comparison, threshold };
		} else {
			const { series, at, stepMs } = await runner.asSystem('bi.alerts', (trx) =>
				metricSeries(trx, alert, now)
			);
			const verdict = detectAnomaly(series, at, {
				weeks: alert.anomaly_weeks,
				threshold: Number(alert.anomaly_threshold),
				stepMs
			});
			value = verdict.value;
			breached = verdict.anomalous;
			detail = {
				method: 'robust_z',
				at: new Date(at).toISOString(),
				score:
					verdict.score === null || !Number.isFinite(verdict.score)
						? String(verdict.score)
						: verdict.score,
				median: verdict.median,
				mad: verdict.mad,
				baseline: verdict.baseline,
				threshold: Number(alert.anomaly_threshold)
			};
		}
	} catch (e) {
		error = message(e);
	}
	return runner.asSystem('bi.alerts', async (trx) => {
		const { rows } = await sql<{ outcome: AlertOutcome }>`
			select private.record_alert_result(${alert.id}::uuid, ${now.toISOString()}::timestamptz,
				${value}::numeric, ${breached}, ${JSON.stringify(detail)}::jsonb, ${error}) as outcome`.execute(
			trx
		);
		return error ? 'error' : rows[0]!.outcome;
	});
}

/** A schedule: at its due tick, sends its value once and sets the next tick (in the tenant's zone). */
async function evaluateSchedule(
	runner: AlertRunner,
	alert: AlertRow,
	now: Date
): Promise<AlertOutcome> {
	const parsed = parseCron(alert.schedule_cron ?? '');
	const next = parsed.ok ? nextTick(parsed.schedule, now, alert.timezone) : null;
	const tick = alert.next_run_at;
	let value: number | null = null;
	let error: string | null = parsed.ok ? null : parsed.error;
	if (tick && tick.getTime() > now.getTime()) return 'taken';
	if (tick && !error) {
		try {
			value = await readValue(runner, alert, now);
		} catch (e) {
			error = message(e);
		}
	}
	return runner.asSystem('bi.alerts', async (trx) => {
		const { rows } = await sql<{ outcome: AlertOutcome }>`
			select private.record_alert_schedule(${alert.id}::uuid, ${tick?.toISOString() ?? null}::timestamptz,
				${next?.toISOString() ?? null}::timestamptz, ${value}::numeric,
				${JSON.stringify({ cron: alert.schedule_cron, timezone: alert.timezone })}::jsonb, ${error}) as outcome`.execute(
			trx
		);
		return rows[0]!.outcome;
	});
}

/** The scheduler tick: queues a bi.alerts job for every alert due at `now`; returns how many. */
export async function enqueueDueAlerts(trx: Transaction<DB>, now = new Date()): Promise<number> {
	const { rows } = await sql<{
		alert_id: string;
		tenant_id: string;
		kind: string;
		next_run_at: Date | null;
	}>`
		select * from private.alerts_due(${now.toISOString()}::timestamptz, 200)`.execute(trx);
	const minute = Math.floor(now.getTime() / 60_000);
	for (const due of rows) {
		const slot =
			due.kind === 'schedule' ? (due.next_run_at?.toISOString() ?? 'first') : String(minute);
		await enqueueJob(trx, {
			queue: 'bi.alerts',
			payload: { alert_id: due.alert_id },
			tenantId: due.tenant_id,
			dedupeKey: `alert:${due.alert_id}:${slot}`
		});
	}
	return rows.length;
}
