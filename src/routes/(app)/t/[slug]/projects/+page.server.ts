import { fail, redirect } from '@sveltejs/kit';
import { projectSchema } from '$lib/server/projects/schemas';
import { withClaims } from '$lib/server/platform/db';
import { describeDbError } from '$lib/server/platform/errors';
import { createProject, explainProjectError, listProjects } from '$lib/server/projects/queries';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import { parseForm } from '$lib/server/platform/web/forms';
import { requireClaims } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

/** RLS decides which projects are listed: all of them with projects.read, else those with a project role. */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant } = await parent();
	return {
		projects: await withClaims(requireClaims(locals), (trx) => listProjects(trx, tenant.id))
	};
};

export const actions: Actions = {
	create: async ({ request, locals, params }) => {
		const form = await parseForm(request, projectSchema);
		if (!form.ok) return form.failure;
		try {
			await withClaims(requireClaims(locals), async (trx) => {
				const tenant = await findTenantBySlug(trx, params.slug);
				if (tenant) await createProject(trx, tenant.id, form.data);
			});
		} catch (e) {
			const known = explainProjectError(e) ?? describeDbError(e);
			if (!known) throw e;
			return fail(400, {
				errors: known.field ? { [known.field]: [known.message] } : {},
				values: form.values,
				message: known.field ? undefined : known.message,
				quota: 'quota' in known
			});
		}
		redirect(303, `/t/${params.slug}/projects/${form.data.slug}`);
	}
};
