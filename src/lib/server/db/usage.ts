/** Usage queries for the tenant's usage page, in the caller's transaction (usage.read). */
import { sql, type Transaction } from 'kysely';
import type { DB } from './database';

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

/** Per metric, the daily totals of the last `days` UTC days (RLS: usage.read), zeros filled in. */
export async function dailyUsage(
	trx: Transaction<DB>,
	tenantId: string,
	days = 30
): Promise<Map<string, { day: string; quantity: number }[]>> {
	const { rows } = await sql<{ metric: string; day: string; quantity: string }>`
		select m.key as metric, to_char(g.day, 'YYYY-MM-DD') as day, coalesce(d.quantity, 0) as quantity
		from public.usage_metrics m
		cross join generate_series((now() at time zone 'UTC')::date - ${days - 1}::int,
		                           (now() at time zone 'UTC')::date, interval '1 day') g(day)
		left join public.usage_daily d on d.tenant_id = ${tenantId} and d.metric = m.key and d.day = g.day::date
		where m.kind = 'metered'
		order by m.key, g.day`.execute(trx);
	const byMetric = new Map<string, { day: string; quantity: number }[]>();
	for (const row of rows) {
		const list = byMetric.get(row.metric) ?? [];
		list.push({ day: row.day, quantity: Number(row.quantity) });
		byMetric.set(row.metric, list);
	}
	return byMetric;
}
