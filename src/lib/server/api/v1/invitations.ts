/** Invitations: the pending list, invite (the email queued in the same transaction), revoke. */
import { z } from 'zod';
import { emailAddress } from '../../../forms/messages';
import {
	inviteWithEmail,
	listPendingInvitations,
	revokeInvitation,
	type PendingInvitation
} from '../../members/invitations';
import { ensureRuntime } from '../../platform/runtime';
import { endpoint } from '../endpoint';
import { iso, listEndpoint, timestamp, uuid } from './shared';

export const invitationSchema = z
	.object({
		id: z.uuid(),
		email: z.string(),
		role_id: z.uuid().nullable(),
		role_name: z.string().nullable(),
		invited_by: z.string().nullable(),
		created_at: timestamp,
		expires_at: timestamp,
		status: z.enum(['pending', 'expired'])
	})
	.meta({ id: 'Invitation' });

function invitationJson(i: PendingInvitation): z.infer<typeof invitationSchema> {
	return {
		id: i.id,
		email: i.email,
		role_id: i.roleId,
		role_name: i.roleName,
		invited_by: i.invitedBy,
		created_at: iso(i.createdAt),
		expires_at: iso(i.expiresAt),
		status: i.status
	};
}

export const listInvitationsEndpoint = listEndpoint(
	{
		path: '/invitations',
		operationId: 'listInvitations',
		summary: 'Pending (and expired) invitations (members.invite)',
		tag: 'Invitations',
		item: invitationSchema,
		pageId: 'InvitationPage'
	},
	async ({ trx, tenant }) => (await listPendingInvitations(trx, tenant.id)).map(invitationJson),
	(i) => i.id
);

export const createInvitation = endpoint(
	{
		method: 'POST',
		path: '/invitations',
		operationId: 'createInvitation',
		summary: 'Invite someone by email (members.invite); inviting again replaces the invitation',
		tag: 'Invitations',
		body: z
			.object({ email: emailAddress(255), role_id: uuid('role').nullable().default(null) })
			.strict()
			.meta({ id: 'InvitationCreate' }),
		response: z.object({ id: z.uuid(), email: z.string() }).meta({ id: 'InvitationCreated' }),
		status: 201
	},
	async ({ trx, tenant, body, principal }) => {
		const sent = await inviteWithEmail(trx, {
			tenantId: tenant.id,
			email: body.email,
			roleId: body.role_id,
			appUrl: (await ensureRuntime()).config.PUBLIC_URL,
			inviter: principal.displayName ?? tenant.name
		});
		return { id: sent.invitationId, email: sent.email };
	}
);

export const revokeInvitationEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/invitations/{invitation}',
		operationId: 'revokeInvitation',
		summary: 'Revoke an invitation (members.invite)',
		tag: 'Invitations',
		params: z.object({ invitation: uuid('invitation') })
	},
	async ({ trx, params }) => {
		await revokeInvitation(trx, params.invitation);
	}
);
