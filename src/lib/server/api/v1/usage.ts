/** Usage: this period's counters (usage.read) and recording events in batches (usage.record). */
import { z } from 'zod';
import { recordUsage, usageSummary } from '../../usage/queries';
import { endpoint } from '../endpoint';

export const usageMetricSchema = z
	.object({
		key: z.string(),
		name: z.string(),
		unit: z.string(),
		kind: z.enum(['metered', 'counted']),
		reset: z.enum(['month', 'never']),
		soft_limit: z.number().nullable(),
		hard_limit: z.number().nullable(),
		current: z.number(),
		period_start: z.string(),
		soft_limit_reached_at: z.string().nullable()
	})
	.meta({ id: 'UsageMetric' });

export const usageSchema = z
	.object({
		plan: z.object({ code: z.string(), name: z.string() }).nullable(),
		metrics: z.array(usageMetricSchema)
	})
	.meta({ id: 'Usage' });

const usageEventSchema = z
	.object({
		metric: z
			.string()
			.min(1)
			.max(100)
			.meta({ description: 'A metered metric, e.g. compute_minutes.' }),
		quantity: z.int().positive().max(Number.MAX_SAFE_INTEGER),
		idempotency_key: z
			.string()
			.min(1)
			.max(200)
			.meta({ description: 'Unique per measurement: a retried report counts once.' }),
		occurred_at: z.iso.datetime({ offset: true }).optional(),
		properties: z.record(z.string(), z.unknown()).optional()
	})
	.strict()
	.meta({ id: 'UsageEvent' });

export const getUsage = endpoint(
	{
		method: 'GET',
		path: '/usage',
		operationId: 'getUsage',
		summary: 'This period’s usage and the plan’s limits (usage.read)',
		tag: 'Usage',
		response: usageSchema
	},
	async ({ trx, tenant }) => {
		const summary = await usageSummary(trx, tenant.id);
		return {
			plan: summary.plan,
			metrics: summary.metrics.map((m) => ({
				key: m.key,
				name: m.name,
				unit: m.unit,
				kind: m.kind,
				reset: m.reset,
				soft_limit: m.softLimit,
				hard_limit: m.hardLimit,
				current: m.current,
				period_start: m.periodStart,
				soft_limit_reached_at: m.softLimitReachedAt
			}))
		};
	}
);

export const recordUsageEvents = endpoint(
	{
		method: 'POST',
		path: '/usage/events',
		operationId: 'recordUsageEvents',
		summary: 'Record up to 100 usage events at once, all or none (usage.record)',
		tag: 'Usage',
		body: z
			.object({ events: z.array(usageEventSchema).min(1).max(100) })
			.strict()
			.meta({ id: 'UsageEventBatch' }),
		response: z
			.object({
				results: z.array(
					z.object({
						idempotency_key: z.string(),
						recorded: z.boolean().meta({ description: 'False: this key was recorded before.' }),
						quantity: z.number().meta({ description: 'The period’s total after it.' }),
						soft_limit: z.number().nullable(),
						hard_limit: z.number().nullable(),
						over_soft_limit: z.boolean()
					})
				)
			})
			.meta({ id: 'UsageRecorded' }),
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const results = [];
		for (const event of body.events) {
			const r = await recordUsage(trx, tenant.id, {
				metric: event.metric,
				quantity: event.quantity,
				idempotencyKey: event.idempotency_key,
				occurredAt: event.occurred_at,
				properties: event.properties
			});
			results.push({
				idempotency_key: event.idempotency_key,
				recorded: r.recorded,
				quantity: r.quantity,
				soft_limit: r.softLimit,
				hard_limit: r.hardLimit,
				over_soft_limit: r.overSoftLimit
			});
		}
		return { results };
	}
);
