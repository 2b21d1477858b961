import { error } from '@sveltejs/kit';
import { createTeamSchema, renameTeamSchema, teamSchema } from '$lib/schemas/teams';
import { withClaims } from '$lib/server/db';
import { findTenantBySlug } from '$lib/server/db/tenants';
import { createTeam, deleteTeam, listTeams, updateTeam } from '$lib/server/db/teams';
import { mutate, requireClaims } from '$lib/server/web/actions';
import { formError, parseForm } from '$lib/server/web/forms';
import { can } from '$lib/web/tenant-nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see teams.');
	return {
		teams: await withClaims(requireClaims(locals), (trx) => listTeams(trx, tenant.id))
	};
};

/** Rename and delete match no row when the team is gone or the caller lacks teams.manage. */
const NOT_CHANGED = 'No such team, or you may not change it (teams.manage).';

export const actions: Actions = {
	create: async ({ request, locals, params }) => {
		const form = await parseForm(request, createTeamSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant) error(404, 'Not found');
			return createTeam(trx, tenant.id, form.data);
		});
		if (!done.ok) return done.failure;
		return { ok: `Team “${form.data.name}” created.` };
	},

	rename: async ({ request, locals, params }) => {
		const form = await parseForm(request, renameTeamSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			return !!tenant && updateTeam(trx, tenant.id, form.data.team, form.data);
		});
		if (!done.ok) return done.failure;
		if (!done.value) return formError(404, NOT_CHANGED, form.values);
		return { ok: `Team renamed to “${form.data.name}”.` };
	},

	delete: async ({ request, locals, params }) => {
		const form = await parseForm(request, teamSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			return !!tenant && deleteTeam(trx, tenant.id, form.data.team);
		});
		if (!done.ok) return done.failure;
		if (!done.value) return formError(404, NOT_CHANGED, form.values);
		return { ok: 'Team deleted.' };
	}
};
