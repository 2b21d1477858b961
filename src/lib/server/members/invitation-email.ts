/** The email that carries an invitation link; queued by inviteWithEmail in the invitation's transaction. */
import type { OutgoingEmail } from '../auth/outbox';

export interface InvitationEmailInput {
	to: string;
	tenantName: string;
	inviter: string;
	roleName: string;
	link: string;
	expiresAt: Date;
}

export function invitationEmail(input: InvitationEmailInput): OutgoingEmail {
	return {
		to: input.to,
		template: 'member_invitation',
		subject: `${input.inviter} invited you to ${input.tenantName} on Tenantry`,
		bodyText:
			`${input.inviter} invited you to join ${input.tenantName} on Tenantry as ${input.roleName}.\n\n` +
			`Accept the invitation by opening this link:\n\n${input.link}\n\n` +
			`Sign in (or create an account) with this email address to accept. The link works once and ` +
			`until ${input.expiresAt.toUTCString()}. If you did not expect it, ignore this email.\n\n— Tenantry`,
		payload: { link: input.link, tenant: input.tenantName, role: input.roleName }
	};
}
