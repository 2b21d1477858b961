import { error } from '@sveltejs/kit';
import { z } from 'zod';
import {
	RUN_LIST,
	aiSpend,
	dailyCosts,
	listRuns,
	listTemplates,
	pageRuns
} from '$lib/server/ai/queries';
import { readList } from '$lib/server/platform/list';
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
	template: z.string().max(64).optional().catch(undefined),
	from: z.iso.date().optional().catch(undefined),
	to: z.iso.date().optional().catch(undefined)
});

/** The filter fields of the page (the list's own parameters, q, sort and cursor, are apart). */
const FILTER_NAMES = new Set(Object.keys(filters.shape));

/**
 * AI runs (docs/ai.md): this month's spend against the budget and the plan's AI tokens, the cost
 * per day over 30 days, and the runs — searched, sorted and paged in the URL (DataTable) — filtered
 * by status, kind, model, template and a date range (ai.use).
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'ai.use'))
		error(403, 'AI runs need the “Use AI features” permission (ai.use).');
	const chosen = filters.parse(
		Object.fromEntries(
			[...url.searchParams].filter(([name, v]) => FILTER_NAMES.has(name) && v !== '')
		)
	);
	const params = readList(url.searchParams, RUN_LIST);
	return withClaims(requireClaims(locals), async (trx) => {
		const runs = await pageRuns(trx, tenant.id, chosen, params);
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
