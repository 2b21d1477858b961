import { error } from '@sveltejs/kit';
import { teamIdSchema, teamMemberSchema } from '$lib/server/teams/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listMembers } from '$lib/server/members/queries';
import {
	addTeamMember,
	findTeam,
	listTeamMembers,
	removeTeamMember
} from '$lib/server/teams/queries';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { requireClaims } from '$lib/server/platform/web/actions';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see teams.');
	const teamId = teamIdSchema.safeParse(params.team);
	if (!teamId.success) error(404, 'Not found');
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const team = await findTeam(trx, tenant.id, teamId.data);
		if (!team) return null;
		const members = await listTeamMembers(trx, tenant.id, team.id);
		const inTeam = new Set(members.map((m) => m.userId));
		const candidates = can(permissions, 'teams.manage')
			? (await listMembers(trx, tenant.id)).filter((m) => !inTeam.has(m.userId))
			: [];
		return {
			team,
			members,
			candidates: candidates.map((m) => ({ userId: m.userId, label: m.fullName ?? m.email }))
		};
	});
	if (!found) error(404, 'Not found');
	return found;
};

/**
 * Adding checks what the insert's policy and foreign key would refuse (teams.manage; a member of
 * this tenant), so the person gets a sentence instead of a database error; SQL refuses anyway.
 */
export const actions: Actions = {
	add: (event) =>
		tenantAction(event, teamMemberSchema, async (trx, tenant, { input, values }) => {
			const team = event.params.team;
			if (!teamIdSchema.safeParse(team).success) error(404, 'Not found');
			if (!can(await myPermissions(trx, tenant.id), 'teams.manage')) {
				return formError(403, DB_ERROR_MESSAGES.TN002!.message, values);
			}
			const members = await listMembers(trx, tenant.id);
			if (!members.some((m) => m.userId === input.user)) {
				return fieldError('user', 'Choose a member of this organisation.', values);
			}
			if (!(await findTeam(trx, tenant.id, team))) error(404, 'Not found');
			const current = await listTeamMembers(trx, tenant.id, team);
			if (current.some((m) => m.userId === input.user)) {
				return fieldError('user', 'Already in this team.', values);
			}
			await addTeamMember(trx, tenant.id, team, input.user);
			return { ok: 'Added to the team.' };
		}),

	remove: (event) =>
		tenantAction(event, teamMemberSchema, async (trx, tenant, { input, values }) =>
			teamIdSchema.safeParse(event.params.team).success &&
			(await removeTeamMember(trx, tenant.id, event.params.team, input.user))
				? { ok: 'Removed from the team.' }
				: formError(404, 'Not in this team, or you may not change it (teams.manage).', values)
		)
};
