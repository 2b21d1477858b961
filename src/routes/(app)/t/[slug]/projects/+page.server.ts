import { redirectWithToast } from '$lib/server/platform/web/flash';
import { projectSchema } from '$lib/server/projects/schemas';
import { withClaims } from '$lib/server/platform/db';
import { createProject, pageProjects } from '$lib/server/projects/queries';
import { tenantAction } from '$lib/server/tenancy/actions';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

/** RLS decides which projects are listed: all of them with projects.read, else those with a project role. */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant } = await parent();
	return {
		projects: await withClaims(requireClaims(locals), (trx) =>
			pageProjects(trx, tenant.id, url.searchParams)
		)
	};
};

export const actions: Actions = {
	create: async (event) => {
		const done = await tenantAction(
			event,
			projectSchema,
			async (trx, tenant, { input }) => {
				await createProject(trx, tenant.id, input);
				return input.slug;
			},
			{ explain: 'projects' }
		);
		if (refused(done)) return done;
		redirectWithToast(
			event.cookies,
			`/t/${event.params.slug}/projects/${done}`,
			'Project created.'
		);
	}
};
