import { error } from '@sveltejs/kit';
import { createTeamSchema, renameTeamSchema, teamSchema } from '$lib/server/teams/schemas';
import { withClaims } from '$lib/server/platform/db';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { findTenantBySlug, myPermissions } from '$lib/server/tenancy/tenants';
import { createTeam, deleteTeam, listTeams, updateTeam } from '$lib/server/teams/queries';
import { mutate, requireClaims } from '$lib/server/platform/web/actions';
import { formError, parseForm } from '$lib/server/platform/web/forms';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see teams.');
	return {
		teams: await withClaims(requireClaims(locals), (trx) => listTeams(trx, tenant.id))
	};
};

/**
 * Rename and delete match no row when the team is gone or the caller lacks teams.manage. A name
 * taken in any case is refused by teams_name_ci_key and worded by `mutate`.
 */
const NOT_CHANGED = 'No such team, or you may not change it (teams.manage).';

export const actions: Actions = {
	create: async ({ request, locals, params }) => {
		const form = await parseForm(request, createTeamSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant) error(404, 'Not found');
			// The insert's policy would refuse with a bare RLS error; say it in words instead.
			if (!can(await myPermissions(trx, tenant.id), 'teams.manage')) return 'forbidden';
			await createTeam(trx, tenant.id, form.data);
			return 'created';
		});
		if (!done.ok) return done.failure;
		if (done.value === 'forbidden') {
			return formError(403, DB_ERROR_MESSAGES.TN002!.message, form.values);
		}
		return { ok: `Team “${form.data.name}” created.` };
	},

	rename: async ({ request, locals, params }) => {
		const form = await parseForm(request, renameTeamSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant) return 'missing';
			return (await updateTeam(trx, tenant.id, form.data.team, form.data)) ? 'renamed' : 'missing';
		});
		if (!done.ok) return done.failure;
		if (done.value === 'missing') return formError(404, NOT_CHANGED, form.values);
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
