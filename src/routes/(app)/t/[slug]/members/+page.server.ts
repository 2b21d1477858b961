import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import {
	changeRoleSchema,
	invitationSchema,
	inviteSchema,
	memberSchema
} from '$lib/server/members/schemas';
import { withClaims } from '$lib/server/platform/db';
import {
	findPendingInvitation,
	inviteWithEmail,
	listPendingInvitations,
	revokeInvitation
} from '$lib/server/members/invitations';
import {
	changeMemberRole,
	grantableRoles,
	leaveTenant,
	listMembers,
	removeMember,
	transferOwnership
} from '$lib/server/members/queries';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import { mutate, requireClaims } from '$lib/server/platform/web/actions';
import { formError, parseForm } from '$lib/server/platform/web/forms';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { can } from '$lib/tenancy/nav';
import type { DB } from '$lib/server/platform/database';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	const claims = requireClaims(locals);
	if (!can(permissions, 'members.read')) error(403, 'You do not have permission to see members.');
	return withClaims(claims, async (trx) => {
		const members = await listMembers(trx, tenant.id);
		const isOwner = members.some((m) => m.userId === claims.sub && m.isOwner);
		const mayGrant = can(permissions, 'members.invite') || can(permissions, 'members.manage');
		return {
			me: claims.sub,
			isOwner,
			members,
			invitations: can(permissions, 'members.invite')
				? await listPendingInvitations(trx, tenant.id)
				: [],
			roles: mayGrant ? await grantableRoles(trx, tenant.id, permissions, isOwner) : []
		};
	});
};

/** The tenant of the page, found again inside the action's transaction (RLS decides). */
async function tenantOf(trx: Transaction<DB>, slug: string) {
	const tenant = await findTenantBySlug(trx, slug);
	if (!tenant) error(404, 'Not found');
	return tenant;
}

async function appUrl(): Promise<string> {
	return (await ensureRuntime()).config.PUBLIC_URL;
}

function inviterName(event: RequestEvent): string {
	return requireClaims(event.locals).email ?? 'A colleague';
}

export const actions: Actions = {
	invite: async (event) => {
		const form = await parseForm(event.request, inviteSchema);
		if (!form.ok) return form.failure;
		const url = await appUrl();
		const done = await mutate(event.locals, form.values, async (trx) =>
			inviteWithEmail(trx, {
				tenantId: (await tenantOf(trx, event.params.slug)).id,
				email: form.data.email,
				roleId: form.data.role,
				appUrl: url,
				inviter: inviterName(event)
			})
		);
		if (!done.ok) return done.failure;
		return { ok: `Invitation sent to ${done.value.email}.` };
	},

	resend: async (event) => {
		const form = await parseForm(event.request, invitationSchema);
		if (!form.ok) return form.failure;
		const url = await appUrl();
		const done = await mutate(event.locals, form.values, async (trx) => {
			const tenant = await tenantOf(trx, event.params.slug);
			const invitation = await findPendingInvitation(trx, tenant.id, form.data.invitation);
			if (!invitation) return null;
			return inviteWithEmail(trx, {
				tenantId: tenant.id,
				email: invitation.email,
				roleId: invitation.roleId,
				appUrl: url,
				inviter: inviterName(event)
			});
		});
		if (!done.ok) return done.failure;
		if (!done.value) return formError(404, 'No such pending invitation.', form.values);
		return { ok: `Invitation sent again to ${done.value.email}; the old link no longer works.` };
	},

	revoke: async (event) => {
		const form = await parseForm(event.request, invitationSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(event.locals, form.values, (trx) =>
			revokeInvitation(trx, form.data.invitation)
		);
		if (!done.ok) return done.failure;
		return { ok: 'Invitation revoked.' };
	},

	changeRole: async (event) => {
		const form = await parseForm(event.request, changeRoleSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(event.locals, form.values, async (trx) =>
			changeMemberRole(
				trx,
				(await tenantOf(trx, event.params.slug)).id,
				form.data.user,
				form.data.role
			)
		);
		if (!done.ok) return done.failure;
		return { ok: 'Role changed.' };
	},

	remove: async (event) => {
		const form = await parseForm(event.request, memberSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(event.locals, form.values, async (trx) =>
			removeMember(trx, (await tenantOf(trx, event.params.slug)).id, form.data.user)
		);
		if (!done.ok) return done.failure;
		return { ok: 'Member removed.' };
	},

	transfer: async (event) => {
		const form = await parseForm(event.request, memberSchema);
		if (!form.ok) return form.failure;
		const done = await mutate(event.locals, form.values, async (trx) =>
			transferOwnership(trx, (await tenantOf(trx, event.params.slug)).id, form.data.user)
		);
		if (!done.ok) return done.failure;
		return { ok: 'Ownership transferred: you are now an admin.' };
	},

	leave: async (event) => {
		const done = await mutate(event.locals, {}, async (trx) =>
			leaveTenant(trx, (await tenantOf(trx, event.params.slug)).id)
		);
		if (!done.ok) return done.failure;
		redirect(303, '/app');
	}
};
