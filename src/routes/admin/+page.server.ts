import { withClaims } from '$lib/server/db';
import { getOverview } from '$lib/server/db/admin';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	await parent();
	return { overview: await withClaims(locals.claims, getOverview) };
};
