import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { aiSpend, dailyCosts, listRuns, listTemplates } from '$lib/server/ai/queries';
import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

const DAYS = 30;

/** Filters from the URL; what does not parse is ignored (the page shows every run). */
const filters = z.object({
	status: z.enum(['succeeded', 'failed']).optional().catch(undefined),
	operation: z.enum(['chat', 'embedding', 'template']).optional().catch(undefined),
	model: z.string().max(200).optional().catch(undefined),
	template: z.string().max(64).optional().catch(undefined)
});

/**
 * AI runs (docs/ai.md): this month's spend against the budget and the plan's AI tokens, the cost
 * per day over 30 days, and the runs filtered by status, kind, model and template (ai.use).
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'ai.use'))
		error(403, 'AI runs need the “Use AI features” permission (ai.use).');
	const chosen = filters.parse(
		Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ''))
	);
	return withClaims(requireClaims(locals), async (trx) => {
		const runs = await listRuns(trx, tenant.id, { ...chosen, days: DAYS }, 200);
		const everything = await listRuns(trx, tenant.id, { days: DAYS }, 5000);
		return {
			spend: await aiSpend(trx, tenant.id),
			daily: await dailyCosts(trx, tenant.id, DAYS),
			runs,
			filters: chosen,
			models: [...new Set(everything.map((r) => r.model))].sort(),
			templates: (await listTemplates(trx, tenant.id)).map((t) => t.key),
			canManage: can(permissions, 'ai.manage')
		};
	});
};
