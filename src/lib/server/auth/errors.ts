/**
 * The errors of the auth core. Codes are stable: forms map them to messages, tests assert them,
 * and both providers (embedded, Supabase) answer with the same code for the same situation.
 */
export const AUTH_ERROR_CODES = [
	'invalid_credentials',
	'email_not_confirmed',
	'user_locked',
	'weak_password',
	'token_expired',
	'token_invalid',
	'mfa_required',
	'mfa_invalid_code',
	'rate_limited',
	'email_taken',
	'not_supported'
] as const;

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** What a person is told for each code; the only place these sentences live. */
export const AUTH_ERROR_MESSAGES: Record<AuthErrorCode, string> = {
	invalid_credentials: 'The email or password is not correct.',
	email_not_confirmed: 'Confirm your email address first: follow the link we sent you.',
	user_locked: 'Too many failed sign-ins. Try again in 15 minutes, or reset your password.',
	weak_password: 'Choose a stronger password.',
	token_expired: 'This link has expired. Ask for a new one.',
	token_invalid: 'This link or session is not valid (it may have been used already).',
	mfa_required: 'Verify with your authenticator app first.',
	mfa_invalid_code: 'That code is not correct.',
	rate_limited: 'Too many attempts. Wait a moment and try again.',
	email_taken: 'That email address is already in use.',
	not_supported: 'This is not available with the sign-in service this site uses.'
};

export class AuthError extends Error {
	constructor(
		readonly code: AuthErrorCode,
		/** Field problems for `weak_password` (from the password schema), for the form to show. */
		readonly issues: string[] = [],
		/** For `rate_limited` and `user_locked`: when trying again makes sense. */
		readonly retryAfterMs?: number
	) {
		super(AUTH_ERROR_MESSAGES[code]);
		this.name = 'AuthError';
	}
}

export function isAuthError(error: unknown, code?: AuthErrorCode): error is AuthError {
	return error instanceof AuthError && (code === undefined || error.code === code);
}
