import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { requireClaims } from '$lib/server/platform/web/actions';
import {
	TASK_LIST,
	listAssignable,
	listBoards,
	listLabels,
	pageTasks
} from '$lib/server/tasks/queries';
import { taskFilterSchema } from '$lib/server/tasks/schemas';
import { can } from '$lib/tenancy/nav';
import type { PageServerLoad } from './$types';

const FILTERS = ['team', 'assignee', 'label', 'priority', 'status', 'due'] as const;

/** The boards and the list of tasks with its filters, all in the URL (a bad filter is ignored). */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tasks.read')) error(403, 'You do not have permission to see tasks.');
	const raw = Object.fromEntries(
		FILTERS.map((f) => [f, url.searchParams.get(f) || undefined] as const)
	);
	const parsed = taskFilterSchema.safeParse(raw);
	const filters = parsed.success ? parsed.data : {};
	return withClaims(requireClaims(locals), async (trx) => ({
		boards: await listBoards(trx, tenant.id),
		tasks: await pageTasks(trx, tenant.id, filters, readList(url.searchParams, TASK_LIST)),
		people: await listAssignable(trx, tenant.id),
		labels: await listLabels(trx, tenant.id),
		filters: Object.fromEntries(FILTERS.map((f) => [f, parsed.success ? (raw[f] ?? '') : '']))
	}));
};
