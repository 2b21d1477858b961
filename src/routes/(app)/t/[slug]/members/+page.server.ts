import { error, type RequestEvent } from '@sveltejs/kit';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import {
	changeRoleSchema,
	invitationSchema,
	inviteSchema,
	memberSchema
} from '$lib/server/members/schemas';
import { withClaims } from '$lib/server/platform/db';
import {
	findPendingInvitation,
	INVITATION_LIST,
	inviteWithEmail,
	pagePendingInvitations,
	revokeInvitation
} from '$lib/server/members/invitations';
import {
	changeMemberRole,
	grantableRoles,
	leaveTenant,
	MEMBER_LIST,
	memberLabels,
	ownership,
	pageMembers,
	removeMember,
	transferOwnership
} from '$lib/server/members/queries';
import { readList } from '$lib/server/platform/list';
import { bulkAnswer, eachApart, parseSelection } from '$lib/server/platform/web/bulk';
import { tenantAction } from '$lib/server/tenancy/actions';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { formError, typedNameMatches } from '$lib/server/platform/web/forms';
import { TYPED_NAME_MISMATCH } from '$lib/server/platform/errors';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	const claims = requireClaims(locals);
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see members.');
	return withClaims(claims, async (trx) => {
		const { owners, isOwner } = await ownership(trx, tenant.id, claims.sub);
		return {
			me: claims.sub,
			isOwner,
			owners,
			members: await pageMembers(trx, tenant.id, readList(url.searchParams, MEMBER_LIST)),
			invitations: can(permissions, 'members.invite')
				? await pagePendingInvitations(trx, tenant.id, readList(url.searchParams, INVITATION_LIST))
				: null,
			roles: await grantableRoles(trx, tenant.id)
		};
	});
};

async function appUrl(): Promise<string> {
	return (await ensureRuntime()).config.PUBLIC_URL;
}

function inviterName(event: RequestEvent): string {
	return requireClaims(event.locals).email ?? 'A colleague';
}

export const actions: Actions = {
	invite: async (event) => {
		const url = await appUrl();
		const done = await tenantAction(event, inviteSchema, (trx, tenant, { input }) =>
			inviteWithEmail(trx, {
				tenantId: tenant.id,
				email: input.email,
				roleId: input.role,
				appUrl: url,
				inviter: inviterName(event)
			})
		);
		if (refused(done)) return done;
		return { ok: `Invitation sent to ${done.email}.` };
	},

	resend: async (event) => {
		const url = await appUrl();
		return tenantAction(event, invitationSchema, async (trx, tenant, { input, values }) => {
			const invitation = await findPendingInvitation(trx, tenant.id, input.invitation);
			if (!invitation) return formError(404, 'No such pending invitation.', values);
			const sent = await inviteWithEmail(trx, {
				tenantId: tenant.id,
				email: invitation.email,
				roleId: invitation.roleId,
				appUrl: url,
				inviter: inviterName(event)
			});
			return { ok: `Invitation sent again to ${sent.email}; the old link no longer works.` };
		});
	},

	/** Undo sends the invitation again (a new link: the revoked one stays dead). */
	revoke: (event) =>
		tenantAction(event, invitationSchema, async (trx, tenant, { input, values }) => {
			const invitation = await findPendingInvitation(trx, tenant.id, input.invitation);
			if (!invitation) return formError(404, 'No such pending invitation.', values);
			await revokeInvitation(trx, input.invitation);
			return {
				ok: 'Invitation revoked.',
				undo: {
					action: '?/invite',
					fields: { email: invitation.email, role: invitation.roleId ?? '' },
					label: 'Undo: invite again'
				}
			};
		}),

	revokeInvitations: async (event) => {
		const selection = await parseSelection(event.request, 'an invitation');
		if (!selection.ok) return selection.failure;
		return tenantAction(event, null, async (trx, tenant) => {
			const emails = new Map<string, string>();
			const outcome = await eachApart(
				trx,
				selection.ids,
				(id) => emails.get(id) ?? 'An invitation',
				async (id) => {
					const invitation = await findPendingInvitation(trx, tenant.id, id);
					if (!invitation) return 'No such pending invitation.';
					emails.set(id, invitation.email);
					await revokeInvitation(trx, id);
				}
			);
			return bulkAnswer(outcome, (n) =>
				n === 1 ? 'Invitation revoked.' : `${n} invitations revoked.`
			);
		});
	},

	removeMembers: async (event) => {
		const selection = await parseSelection(event.request, 'a member');
		if (!selection.ok) return selection.failure;
		return tenantAction(event, null, async (trx, tenant) => {
			const labels = await memberLabels(trx, tenant.id, selection.ids);
			const outcome = await eachApart(
				trx,
				selection.ids,
				(id) => labels.get(id) ?? 'Someone who is not a member',
				(id) => removeMember(trx, tenant.id, id)
			);
			return bulkAnswer(outcome, (n) => (n === 1 ? 'Member removed.' : `${n} members removed.`));
		});
	},

	changeRole: (event) =>
		tenantAction(event, changeRoleSchema, async (trx, tenant, { input }) => {
			await changeMemberRole(trx, tenant.id, input.user, input.role);
			return { ok: 'Role changed.' };
		}),

	remove: (event) =>
		tenantAction(event, memberSchema, async (trx, tenant, { input }) => {
			await removeMember(trx, tenant.id, input.user);
			return { ok: 'Member removed.' };
		}),

	/** Takes the organisation's name typed (ConfirmAction's confirm_name), checked here too. */
	transfer: (event) =>
		tenantAction(event, memberSchema, async (trx, tenant, { input, values }) => {
			if (!typedNameMatches(values.confirm_name, tenant.name)) {
				return formError(400, TYPED_NAME_MISMATCH, values);
			}
			await transferOwnership(trx, tenant.id, input.user);
			return { ok: 'Ownership transferred: you are now an admin.' };
		}),

	leave: async (event) => {
		const done = await tenantAction(event, null, (trx, tenant) => leaveTenant(trx, tenant.id));
		if (refused(done)) return done;
		redirectWithToast(event.cookies, '/app', 'You left the organisation.');
	}
};
