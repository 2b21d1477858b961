import {
	AuthApiError,
	AuthInvalidJwtError,
	AuthRetryableFetchError,
	AuthSessionMissingError,
	AuthWeakPasswordError
} from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { AuthError } from './errors';
import { toAuthError, unwrap } from './supabase-errors';

const api = (status: number, code?: string, message = 'GoTrue says no') =>
	new AuthApiError(message, status, code);

describe('toAuthError', () => {
	it.each([
		[api(400, 'invalid_credentials'), 'invalid_credentials'],
		[api(400, 'email_not_confirmed'), 'email_not_confirmed'],
		[api(429, 'over_email_send_rate_limit'), 'rate_limited'],
		[api(429), 'rate_limited'],
		[api(403, 'otp_expired'), 'token_expired'],
		[api(400, 'refresh_token_already_used'), 'token_invalid'],
		[api(403, 'session_not_found'), 'token_invalid'],
		[api(403, 'some_new_code'), 'token_invalid'],
		[api(422, 'mfa_verification_failed'), 'mfa_invalid_code'],
		[api(403, 'insufficient_aal'), 'mfa_required'],
		[api(422, 'email_exists'), 'email_taken'],
		[api(422, 'signup_disabled'), 'not_supported'],
		[new AuthInvalidJwtError('JWT has expired'), 'token_expired'],
		[new AuthInvalidJwtError('Invalid JWT signature'), 'token_invalid'],
		[new AuthSessionMissingError(), 'token_invalid']
	])('%s → %s', (error, code) => {
		expect(toAuthError(error).code).toBe(code);
	});

	it("keeps GoTrue's sentence for a weak password", () => {
		const weak = new AuthWeakPasswordError('Password should contain a digit.', 422, ['characters']);
		expect(toAuthError(weak)).toMatchObject({
			code: 'weak_password',
			issues: ['Password should contain a digit.']
		});
		expect(toAuthError(api(422, 'same_password')).issues).toEqual([
			'Choose a password different from your current one.'
		]);
	});

	it('rethrows what is not a refusal: the gateway refusing the key, a server error, a crash', () => {
		const gateway = api(401, undefined, 'No API key found in request');
		expect(() => toAuthError(gateway)).toThrow(gateway);
		const down = new AuthRetryableFetchError('Bad Gateway', 502);
		expect(() => toAuthError(down)).toThrow(down);
		const crash = new TypeError('boom');
		expect(() => toAuthError(crash)).toThrow(crash);
	});
});

describe('unwrap', () => {
	it('returns the data, throws the mapped error, and treats no data as token_invalid', () => {
		expect(unwrap({ data: { user: 1 }, error: null })).toEqual({ user: 1 });
		expect(() => unwrap({ data: null, error: api(400, 'invalid_credentials') })).toThrow(
			new AuthError('invalid_credentials')
		);
		expect(() => unwrap({ data: null, error: null })).toThrow(new AuthError('token_invalid'));
	});
});
