/** The auth emails: subject and plain-text body for each template the embedded provider queues. */
import type { OutgoingEmail } from './outbox';

const SIGNATURE = '\n\n— Tenantry';

export function confirmSignupEmail(to: string, link: string): OutgoingEmail {
	return {
		to,
		template: 'confirm_signup',
		subject: 'Confirm your email address',
		bodyText:
			`Welcome to Tenantry. Confirm your email address by opening this link:\n\n${link}\n\n` +
			`The link works once, for 24 hours. If you did not sign up, ignore this email.${SIGNATURE}`,
		payload: { link }
	};
}

export function alreadyRegisteredEmail(to: string, resetLink: string): OutgoingEmail {
	return {
		to,
		template: 'already_registered',
		subject: 'You already have an account',
		bodyText:
			`Someone (hopefully you) tried to sign up with this address, which already has an account. ` +
			`Sign in instead; if you forgot your password, reset it here:\n\n${resetLink}\n\n` +
			`If this was not you, ignore this email: nothing has changed.${SIGNATURE}`,
		payload: { reset_link: resetLink }
	};
}

export function resetPasswordEmail(to: string, link: string): OutgoingEmail {
	return {
		to,
		template: 'reset_password',
		subject: 'Reset your password',
		bodyText:
			`Choose a new password by opening this link:\n\n${link}\n\n` +
			`The link works once, for one hour, and signs you out everywhere. If you did not ask for ` +
			`this, ignore this email: your password has not changed.${SIGNATURE}`,
		payload: { link }
	};
}
