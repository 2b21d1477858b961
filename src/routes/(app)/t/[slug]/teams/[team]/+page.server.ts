import { error } from '@sveltejs/kit';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import { teamIdSchema, teamMemberSchema } from '$lib/server/teams/schemas';
import { withClaims } from '$lib/server/platform/db';
import { grantableRoles, listMembers } from '$lib/server/members/queries';
import { inviteToTeams } from '$lib/server/members/invitations';
import { inviteSchema } from '$lib/server/members/schemas';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { readList } from '$lib/server/platform/list';
import {
	TEAM_MEMBER_LIST,
	addTeamMember,
	deleteTeam,
	findTeam,
	listTeamMembers,
	pageTeamMembers,
	removeTeamMember
} from '$lib/server/teams/queries';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see teams.');
	const teamId = teamIdSchema.safeParse(params.team);
	if (!teamId.success) error(404, 'Not found');
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const team = await findTeam(trx, tenant.id, teamId.data);
		if (!team) return null;
		const members = await pageTeamMembers(
			trx,
			tenant.id,
			team.id,
			readList(url.searchParams, TEAM_MEMBER_LIST)
		);
		// Who may be added: the organisation's members not in the team yet (managers only).
		let candidates: { userId: string; label: string }[] = [];
		if (can(permissions, 'teams.manage')) {
			const inTeam = new Set((await listTeamMembers(trx, tenant.id, team.id)).map((m) => m.userId));
			candidates = (await listMembers(trx, tenant.id))
				.filter((m) => !inTeam.has(m.userId))
				.map((m) => ({ userId: m.userId, label: m.fullName ?? m.email }));
		}
		// Inviting someone new to the team: the roles the inviter may hand out (members.invite too).
		const roles =
			can(permissions, 'teams.manage') && can(permissions, 'members.invite')
				? await grantableRoles(trx, tenant.id)
				: [];
		return { team, members, candidates, roles, crumb: team.name };
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

	/**
	 * Invite to the team by address: a member of the organisation is added at once; anyone else is
	 * invited into it with the role, and accepting puts them in this team (public.invite_to_team).
	 */
	invite: async (event) => {
		if (!teamIdSchema.safeParse(event.params.team).success) error(404, 'Not found');
		const { config } = await ensureRuntime();
		const done = await tenantAction(event, inviteSchema, (trx, _tenant, { input }) =>
			inviteToTeams(trx, {
				teamIds: [event.params.team],
				email: input.email,
				roleId: input.role,
				appUrl: config.PUBLIC_URL,
				inviter: requireClaims(event.locals).email ?? 'A colleague'
			})
		);
		if (refused(done)) return done;
		return {
			ok:
				done.outcome === 'added'
					? `${done.email} is a member already: added to the team.`
					: `Invitation sent to ${done.email}: accepting it puts them in this team.`
		};
	},

	remove: (event) =>
		tenantAction(event, teamMemberSchema, async (trx, tenant, { input, values }) =>
			teamIdSchema.safeParse(event.params.team).success &&
			(await removeTeamMember(trx, tenant.id, event.params.team, input.user))
				? {
						ok: 'Removed from the team.',
						undo: { action: '?/add', fields: { user: input.user } }
					}
				: formError(404, 'Not in this team, or you may not change it (teams.manage).', values)
		),

	/** Deletes the team (its memberships go with it) and goes back to the list of teams. */
	delete: async (event) => {
		const result = await tenantAction(event, null, async (trx, tenant, { values }) =>
			teamIdSchema.safeParse(event.params.team).success &&
			(await deleteTeam(trx, tenant.id, event.params.team))
				? { deleted: true as const }
				: formError(404, 'No such team, or you may not change it (teams.manage).', values)
		);
		if ('deleted' in result) {
			redirectWithToast(event.cookies, `/t/${event.params.slug}/teams`, 'Team deleted.');
		}
		return result;
	}
};
