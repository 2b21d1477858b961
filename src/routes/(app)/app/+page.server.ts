import { error, redirect } from '@sveltejs/kit';
import { sql } from 'kysely';
import { createTenantSchema } from '$lib/server/tenancy/schemas';
import { withClaims } from '$lib/server/platform/db';
import { describeDbError } from '$lib/server/platform/errors';
import { myStaffRole } from '$lib/server/admin/staff';
import { listMyTenants } from '$lib/server/tenancy/tenants';
import { fieldError, formError, parseForm } from '$lib/server/platform/web/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.claims) error(401, 'Sign in first.');
	return withClaims(locals.claims, async (trx) => ({
		tenants: await listMyTenants(trx),
		staffRole: await myStaffRole(trx)
	}));
};

export const actions: Actions = {
	createTenant: async ({ request, locals }) => {
		if (!locals.claims) error(401, 'Sign in first.');
		const form = await parseForm(request, createTenantSchema);
		if (!form.ok) return form.failure;
		try {
			await withClaims(locals.claims, (trx) =>
				sql`select public.create_tenant(${form.data.slug}, ${form.data.name})`.execute(trx)
			);
		} catch (e) {
			const known = describeDbError(e);
			if (!known) throw e;
			return known.field
				? fieldError(known.field, known.message, form.values)
				: formError(400, known.message, form.values);
		}
		// Straight into it: the dashboard, or the waiting screen while approval is pending.
		redirect(303, `/t/${form.data.slug}`);
	}
};
