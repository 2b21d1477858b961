import { error } from '@sveltejs/kit';
import { createTeamSchema, renameTeamSchema, teamSchema } from '$lib/server/teams/schemas';
import { withClaims } from '$lib/server/platform/db';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import {
	createTeam,
	deleteTeam,
	listTeams,
	TEAM_LIST,
	updateTeam
} from '$lib/server/teams/queries';
import { readList } from '$lib/server/platform/list';
import { requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see teams.');
	const params = readList(url.searchParams, TEAM_LIST);
	return {
		teams: await withClaims(requireClaims(locals), (trx) => listTeams(trx, tenant.id, params))
	};
};

/**
 * Rename and delete match no row when the team is gone or the caller lacks teams.manage. A name
 * taken in any case is refused by SQL (TN080) and worded by the error catalogue.
 */
const NOT_CHANGED = 'No such team, or you may not change it (teams.manage).';

export const actions: Actions = {
	create: (event) =>
		tenantAction(event, createTeamSchema, async (trx, tenant, { input, values }) => {
			// The insert's policy would refuse with a bare RLS error; say it in words instead.
			if (!can(await myPermissions(trx, tenant.id), 'teams.manage')) {
				return formError(403, DB_ERROR_MESSAGES.TN002!.message, values);
			}
			await createTeam(trx, tenant.id, input);
			return { ok: `Team “${input.name}” created.` };
		}),

	rename: (event) =>
		tenantAction(event, renameTeamSchema, async (trx, tenant, { input, values }) =>
			(await updateTeam(trx, tenant.id, input.team, input))
				? { ok: `Team renamed to “${input.name}”.` }
				: formError(404, NOT_CHANGED, values)
		),

	delete: (event) =>
		tenantAction(event, teamSchema, async (trx, tenant, { input, values }) =>
			(await deleteTeam(trx, tenant.id, input.team))
				? { ok: 'Team deleted.' }
				: formError(404, NOT_CHANGED, values)
		)
};
