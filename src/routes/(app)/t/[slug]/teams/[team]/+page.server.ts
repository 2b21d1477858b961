import { error } from '@sveltejs/kit';
import { teamIdSchema, teamMemberSchema } from '$lib/server/teams/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listMembers } from '$lib/server/members/queries';
import { addTeamMember, findTeam, listTeamMembers, removeTeamMember } from '$lib/server/teams/queries';
import { findTenantBySlug, myPermissions } from '$lib/server/tenancy/tenants';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { mutate, requireClaims } from '$lib/server/platform/web/actions';
import { fieldError, formError, parseForm } from '$lib/server/platform/web/forms';
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
	add: async ({ request, locals, params }) => {
		const form = await parseForm(request, teamMemberSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant || !teamIdSchema.safeParse(params.team).success) return 'missing';
			if (!can(await myPermissions(trx, tenant.id), 'teams.manage')) return 'forbidden';
			const members = await listMembers(trx, tenant.id);
			if (!members.some((m) => m.userId === form.data.user)) return 'stranger';
			if (!(await findTeam(trx, tenant.id, params.team))) return 'missing';
			const current = await listTeamMembers(trx, tenant.id, params.team);
			if (current.some((m) => m.userId === form.data.user)) return 'already';
			await addTeamMember(trx, tenant.id, params.team, form.data.user);
			return 'added';
		});
		if (!done.ok) return done.failure;
		if (done.value === 'missing') error(404, 'Not found');
		if (done.value === 'forbidden')
			return formError(403, DB_ERROR_MESSAGES.TN002!.message, form.values);
		if (done.value === 'stranger') {
			return fieldError('user', 'Choose a member of this organisation.', form.values);
		}
		if (done.value === 'already') return fieldError('user', 'Already in this team.', form.values);
		return { ok: 'Added to the team.' };
	},

	remove: async ({ request, locals, params }) => {
		const form = await parseForm(request, teamMemberSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(locals, form.values, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant || !teamIdSchema.safeParse(params.team).success) return false;
			return removeTeamMember(trx, tenant.id, params.team, form.data.user);
		});
		if (!done.ok) return done.failure;
		if (!done.value) {
			return formError(
				404,
				'Not in this team, or you may not change it (teams.manage).',
				form.values
			);
		}
		return { ok: 'Removed from the team.' };
	}
};
