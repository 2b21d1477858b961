/** The email that carries an invitation link; queued by inviteWithEmail in the invitation's transaction. */
import type { OutgoingEmail } from '../auth/outbox';

export interface InvitationEmailInput {
	to: string;
	tenantName: string;
	inviter: string;
	roleName: string;
	/** The teams accepting places them in (a team invitation); none: the organisation only. */
	teams?: string[];
	link: string;
	expiresAt: Date;
}

/** "Design", "Design and Platform", "Api, Design and Platform". */
function listed(names: string[]): string {
	return names.length <= 1
		? (names[0] ?? '')
		: `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export function invitationEmail(input: InvitationEmailInput): OutgoingEmail {
	const teams = input.teams ?? [];
	const inTeams = teams.length
		? `, in the team${teams.length > 1 ? 's' : ''} ${listed(teams)}`
		: '';
	return {
		to: input.to,
		template: 'member_invitation',
		subject: `${input.inviter} invited you to ${input.tenantName} on Tenantry`,
		bodyText:
			`${input.inviter} invited you to join ${input.tenantName} on Tenantry as ${input.roleName}${inTeams}.\n\n` +
			`Accept the invitation by opening this link:\n\n${input.link}\n\n` +
			`Sign in (or create an account) with this email address to accept. The link works once and ` +
			`until ${input.expiresAt.toUTCString()}. If you did not expect it, ignore this email.\n\n— Tenantry`,
		payload: {
			link: input.link,
			tenant: input.tenantName,
			role: input.roleName,
			...(teams.length ? { teams } : {})
		}
	};
}
