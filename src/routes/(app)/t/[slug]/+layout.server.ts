import { error, redirect } from '@sveltejs/kit';
import { openImpersonations } from '$lib/server/governance/queries';
import { withClaims } from '$lib/server/platform/db';
import { noteRequestTenant } from '$lib/server/platform/observability/context';
import { sidebarOpen } from '$lib/server/platform/web/shell';
import { pagePreferences } from '$lib/server/preferences/service';
import {
	findTenantBySlug,
	listMyTenants,
	myPermissions,
	tenantMfaBlocked
} from '$lib/server/tenancy/tenants';
import type { LayoutServerLoad } from './$types';

/**
 * A tenant's pages, by path (/t/acme/…) or by its host (acme.localhost, a verified custom domain:
 * src/hooks.ts reroutes those here). Someone who is not a member gets the same 404 as for a tenant
 * that does not exist: RLS hides the row, and nothing here tells the two apart.
 *
 * Every page below reads `permissions` to hide what the person may not do; SQL enforces it anyway.
 * Its dates are in the person's own time zone, else the organisation's.
 */
export const load: LayoutServerLoad = async ({ cookies, locals, params, url }) => {
	if (!locals.claims) {
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
	const found = await withClaims(locals.claims, async (trx) => {
		const tenant = await findTenantBySlug(trx, params.slug);
		if (!tenant) return null;
		return {
			tenant,
			permissions: await myPermissions(trx, tenant.id),
			tenants: await listMyTenants(trx),
			mfaBlocked: await tenantMfaBlocked(trx, tenant.id),
			viewers: await openImpersonations(trx, tenant.id)
		};
	});
	if (!found) error(404, 'Not found');
	noteRequestTenant(found.tenant.id);
	return {
		...found,
		preferences: pagePreferences(locals.preferences, found.tenant.timezone),
		email: locals.claims.email ?? '',
		aal: locals.claims.aal,
		viewAs: locals.viewAs?.tenantId === found.tenant.id ? locals.viewAs : null,
		sidebarOpen: sidebarOpen(cookies)
	};
};
