import { withClaims } from '$lib/server/platform/db';
import { getOverview } from '$lib/server/admin/staff';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	await parent();
	return { overview: await withClaims(locals.claims, getOverview) };
};
