import { tenantFilterSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { listTenants, TENANT_LIST } from '$lib/server/tenancy/console';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	await parent();
	const { status } = tenantFilterSchema.parse({
		status: url.searchParams.get('status') ?? undefined
	});
	const params = readList(url.searchParams, TENANT_LIST);
	const tenants = await withClaims(locals.claims, (trx) => listTenants(trx, params, status));
	return { status, tenants };
};
