/** Usage queries for the tenant's usage page, in the caller's transaction (usage.read). */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface MetricUsage {
	key: string;
	name: string;
	unit: string;
	kind: 'metered' | 'counted';
	reset: 'month' | 'never';
	softLimit: number | null;
	hardLimit: number | null;
	current: number;
	periodStart: string;
	softLimitReachedAt: string | null;
}

export interface UsageSummary {
	plan: { code: string; name: string } | null;
	metrics: MetricUsage[];
}

export async function usageSummary(trx: Transaction<DB>, tenantId: string): Promise<UsageSummary> {
	const { rows } = await sql<{
		summary: {
			plan: UsageSummary['plan'];
			metrics: Record<string, unknown>[] | null;
		};
	}>`select public.usage_summary(${tenantId}) as summary`.execute(trx);
	const summary = rows[0]!.summary;
	const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
	return {
		plan: summary.plan,
		metrics: (summary.metrics ?? []).map((m) => ({
			key: String(m.key),
			name: String(m.name),
			unit: String(m.unit),
			kind: m.kind as MetricUsage['kind'],
			reset: m.reset as MetricUsage['reset'],
			softLimit: num(m.soft_limit),
			hardLimit: num(m.hard_limit),
			current: Number(m.current),
			periodStart: String(m.period_start),
			softLimitReachedAt: (m.soft_limit_reached_at as string | null) ?? null
		}))
	};
}

export interface UsageDay {
	day: string;
	quantity: number;
	/** The total since the start of the day's period (its UTC month, or all time): what limits apply to. */
	periodTotal: number;
}

/**
 * Per metered metric, the last `days` UTC days (RLS: usage.read), zeros filled in: each day's
 * total and the running total of its period. Months are summed from their first day even when
 * the window starts later; totals of metrics that never reset start from the window's first day.
 */
export async function dailyUsage(
	trx: Transaction<DB>,
	tenantId: string,
	days = 30
): Promise<Map<string, UsageDay[]>> {
	const { rows } = await sql<{
		metric: string;
		day: string;
		quantity: string;
		period_total: string;
	}>`
		with bounds as (
			select (now() at time zone 'UTC')::date as last, (now() at time zone 'UTC')::date - ${days - 1}::int as first
		), series as (
			select m.key as metric, m.reset, g.day::date as day, coalesce(d.quantity, 0) as quantity
			from public.usage_metrics m
			cross join bounds b
			cross join generate_series(date_trunc('month', b.first), b.last, interval '1 day') g(day)
			left join public.usage_daily d on d.tenant_id = ${tenantId} and d.metric = m.key and d.day = g.day::date
			where m.kind = 'metered'
		), totals as (
			select s.metric, s.day, s.quantity,
			       sum(s.quantity) over (partition by s.metric,
			         case when s.reset = 'month' then date_trunc('month', s.day) end order by s.day) as period_total
			from series s
		)
		select t.metric, to_char(t.day, 'YYYY-MM-DD') as day, t.quantity, t.period_total
		from totals t, bounds b where t.day >= b.first
		order by t.metric, t.day`.execute(trx);
	const byMetric = new Map<string, UsageDay[]>();
	for (const row of rows) {
		const list = byMetric.get(row.metric) ?? [];
		list.push({
			day: row.day,
			quantity: Number(row.quantity),
			periodTotal: Number(row.period_total)
		});
		byMetric.set(row.metric, list);
	}
	return byMetric;
}

export interface UsageEventInput {
	metric: string;
	quantity: number;
	idempotencyKey: string;
	occurredAt?: string;
	properties?: Record<string, unknown>;
}

export interface RecordedUsage {
	/** False when the idempotency key was recorded before (counted once). */
	recorded: boolean;
	quantity: number;
	softLimit: number | null;
	hardLimit: number | null;
	overSoftLimit: boolean;
}

/** Records one measurement as the caller (public.record_usage: usage.record, TN071, TN076). */
export async function recordUsage(
	trx: Transaction<DB>,
	tenantId: string,
	event: UsageEventInput
): Promise<RecordedUsage> {
	const { rows } = await sql<{
		recorded: boolean;
		quantity: string;
		soft_limit: string | null;
		hard_limit: string | null;
		over_soft_limit: boolean;
	}>`select * from public.record_usage(${tenantId}, ${event.metric}, ${event.quantity},
		${event.idempotencyKey}, ${event.occurredAt ?? null}::timestamptz,
		${JSON.stringify(event.properties ?? {})}::jsonb)`.execute(trx);
	const row = rows[0]!;
	const num = (v: string | null) => (v === null ? null : Number(v));
	return {
		recorded: row.recorded,
		quantity: Number(row.quantity),
		softLimit: num(row.soft_limit),
		hardLimit: num(row.hard_limit),
		overSoftLimit: row.over_soft_limit
	};
}
