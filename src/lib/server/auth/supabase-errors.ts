/**
 * Supabase Auth's refusals as the interface's AuthError codes, so a form cannot tell which
 * provider said no. GoTrue answers `{ code, error_code, msg }`; supabase-js turns that into an
 * AuthApiError whose `code` is `error_code`. A refusal GoTrue has no code for keeps its HTTP status
 * as the only hint; a server that is down or broken stays an ordinary Error (a 500 page, not a
 * form message).
 *
 * supabase-js is only imported as types here: its entry point warns on Node 20 when loaded, which
 * the embedded profile must not print. Its errors are recognised as supabase-js's own `isAuthError`
 * does, by `__isAuthError`, and by their `name`.
 */
import type { AuthError as SupabaseError } from '@supabase/supabase-js';
import { AuthError, type AuthErrorCode } from './errors';

const BY_GOTRUE_CODE: Record<string, AuthErrorCode> = {
	invalid_credentials: 'invalid_credentials',
	user_banned: 'invalid_credentials',
	validation_failed: 'invalid_credentials',
	email_address_invalid: 'invalid_credentials',
	email_not_confirmed: 'email_not_confirmed',
	weak_password: 'weak_password',
	same_password: 'weak_password',
	email_exists: 'email_taken',
	user_already_exists: 'email_taken',
	over_request_rate_limit: 'rate_limited',
	over_email_send_rate_limit: 'rate_limited',
	over_sms_send_rate_limit: 'rate_limited',
	otp_expired: 'token_expired',
	session_expired: 'token_expired',
	mfa_challenge_expired: 'token_expired',
	refresh_token_not_found: 'token_invalid',
	refresh_token_already_used: 'token_invalid',
	session_not_found: 'token_invalid',
	bad_jwt: 'token_invalid',
	no_authorization: 'token_invalid',
	user_not_found: 'token_invalid',
	mfa_factor_not_found: 'token_invalid',
	mfa_verification_failed: 'mfa_invalid_code',
	mfa_verification_rejected: 'mfa_invalid_code',
	insufficient_aal: 'mfa_required',
	signup_disabled: 'not_supported',
	email_provider_disabled: 'not_supported',
	mfa_totp_enroll_not_enabled: 'not_supported',
	mfa_totp_verify_not_enabled: 'not_supported'
};

/** The AuthError for a supabase-js error; anything else (a crash, the network) is rethrown as it is. */
export function toAuthError(error: unknown): AuthError {
	if (error instanceof AuthError) return error;
	if (!isSupabaseError(error)) throw error;
	if (error.name === 'AuthInvalidJwtError') {
		return new AuthError(/expired/i.test(error.message) ? 'token_expired' : 'token_invalid');
	}
	const code = error.code ? BY_GOTRUE_CODE[error.code] : undefined;
	if (code === 'weak_password') return new AuthError(code, weakPasswordIssues(error));
	if (code) return new AuthError(code);
	if (error.status === 429) return new AuthError('rate_limited');
	// 401 without a GoTrue code is the API gateway refusing the anon key: a configuration fault.
	if (error.status === 403) return new AuthError('token_invalid');
	// A session that supabase-js could not find in its storage (no `code`, no status).
	if (error.name === 'AuthSessionMissingError') return new AuthError('token_invalid');
	throw error;
}

function isSupabaseError(error: unknown): error is SupabaseError {
	return typeof error === 'object' && error !== null && '__isAuthError' in error;
}

/** GoTrue's sentence, which says what the project's password policy wants. */
function weakPasswordIssues(error: SupabaseError): string[] {
	if (error.code === 'same_password') return ['Choose a password different from your current one.'];
	const reasons = 'reasons' in error && Array.isArray(error.reasons) ? error.reasons : [];
	return error.message ? [error.message] : reasons.map((r) => `Password rule not met: ${r}.`);
}

/** The data of a supabase-js answer's success branch. */
type Success<R> = R extends { data: infer D; error: null } ? NonNullable<D> : never;

/**
 * Unwraps a supabase-js `{ data, error }` answer: the data, or the mapped AuthError thrown (an
 * answer with neither is a session supabase-js did not find: `token_invalid`).
 */
export function unwrap<R extends { data: unknown; error: unknown }>(result: R): Success<R> {
	if (result.error) throw toAuthError(result.error);
	if (result.data === null || result.data === undefined) throw new AuthError('token_invalid');
	return result.data as Success<R>;
}
