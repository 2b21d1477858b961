import { error, redirect } from '@sveltejs/kit';
import { withClaims } from '$lib/server/db';
import { findTenantBySlug } from '$lib/server/db/tenants';
import type { LayoutServerLoad } from './$types';

/**
 * A tenant's pages, by path (/t/acme/…). Someone who is not a member gets the same 404 as for a
 * tenant that does not exist: RLS hides the row, and nothing here tells the two apart.
 */
export const load: LayoutServerLoad = async ({ locals, params, url }) => {
	if (!locals.claims) {
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname)}`);
	}
	const tenant = await withClaims(locals.claims, (trx) => findTenantBySlug(trx, params.slug));
	if (!tenant) error(404, 'Not found');
	return { tenant };
};
