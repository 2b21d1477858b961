import { error } from '@sveltejs/kit';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import { createTenantSchema } from '$lib/server/tenancy/schemas';
import { withClaims } from '$lib/server/platform/db';
import { myStaffRole } from '$lib/server/admin/staff';
import { createTenant, listMyTenants } from '$lib/server/tenancy/tenants';
import { formAction, refused } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.claims) error(401, 'Sign in first.');
	return withClaims(locals.claims, async (trx) => ({
		tenants: await listMyTenants(trx),
		staffRole: await myStaffRole(trx)
	}));
};

export const actions: Actions = {
	createTenant: async (event) => {
		const done = await formAction(event, createTenantSchema, async (trx, { input }) => {
			await createTenant(trx, input.slug, input.name);
			return input.slug;
		});
		if (refused(done)) return done;
		// Straight into it: the dashboard, or the waiting screen while approval is pending.
		redirectWithToast(event.cookies, `/t/${done}`, 'Organisation created.');
	}
};
