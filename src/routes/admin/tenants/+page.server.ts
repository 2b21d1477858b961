import { tenantFilterSchema } from '$lib/schemas/admin';
import { withClaims } from '$lib/server/db';
import { listTenants } from '$lib/server/db/admin';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	await parent();
	const filter = tenantFilterSchema.parse(Object.fromEntries(url.searchParams));
	const result = await withClaims(locals.claims, (trx) => listTenants(trx, filter));
	return { filter, ...result };
};
