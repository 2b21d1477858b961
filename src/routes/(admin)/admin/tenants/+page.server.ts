import { tenantFilterSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listTenants } from '$lib/server/tenancy/console';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	await parent();
	const filter = tenantFilterSchema.parse(Object.fromEntries(url.searchParams));
	const result = await withClaims(locals.claims, (trx) => listTenants(trx, filter));
	return { filter, ...result };
};
