import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { dailyUsage, usageSummary } from '$lib/server/usage/queries';
import { requireClaims } from '$lib/server/platform/web/actions';
import type { PageServerLoad } from './$types';

const DAYS = 30;

/**
 * Per metric: where it stands against the plan's limits now, and (metered metrics) the last 30
 * UTC days: each day's usage and the running total of its period, which the limits apply to.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant } = await parent();
	if (tenant.status !== 'active')
		error(403, 'Usage is available while the organisation is active.');
	try {
		const { summary, daily } = await withClaims(requireClaims(locals), async (trx) => ({
			summary: await usageSummary(trx, tenant.id),
			daily: await dailyUsage(trx, tenant.id, DAYS)
		}));
		return {
			plan: summary.plan,
			metrics: summary.metrics.map((metric) => {
				const days = daily.get(metric.key) ?? [];
				// Totals that never reset (storage) start before the window: offset them to end at the
				// counter's current total.
				const offset =
					metric.reset === 'never' && days.length > 0
						? metric.current - days.at(-1)!.periodTotal
						: 0;
				return {
					...metric,
					days: days.map((d) => ({ ...d, periodTotal: d.periodTotal + offset }))
				};
			})
		};
	} catch (e) {
		if ((e as { code?: string }).code === 'TN002')
			error(403, 'You cannot see this organisation’s usage.');
		throw e;
	}
};
