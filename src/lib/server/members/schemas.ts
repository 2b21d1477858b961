/**
 * The members page's forms: the same rules invite_member and the member RPCs enforce, checked
 * early so bad input comes back as field errors. Ids are uuids from the page's own hidden fields.
 */
import { z } from 'zod';
import { emailAddress, id as uuid } from '../../forms/messages';

const id = (what: string) => uuid(`Choose ${what}.`);

/** invitations.email holds at most 320 characters. */
export const inviteSchema = z.object({
	email: emailAddress(320),
	role: id('a role')
});

/** Resend (invite again, which replaces the token) and revoke. */
export const invitationSchema = z.object({ invitation: id('an invitation') });

export const changeRoleSchema = z.object({ user: id('a member'), role: id('a role') });

/** Remove and transfer ownership. */
export const memberSchema = z.object({ user: id('a member') });

/** The token in an invitation link (64 hex characters from invite_member; the demo seed's is a word). */
export const invitationTokenSchema = z
	.string({ error: 'This invitation link is not valid.' })
	.regex(/^[\w-]{8,128}$/, { error: 'This invitation link is not valid.' });
