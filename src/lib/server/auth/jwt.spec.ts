import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError } from './errors';
import { signAccessToken, verifyAccessToken, type AccessClaims } from './jwt';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const ISS = 'http://localhost:3000/auth/v1';
const NOW = 1_800_000_000;

const claims: AccessClaims = {
	iss: ISS,
	sub: '00000000-0000-4000-8000-00000000a11c',
	aud: 'authenticated',
	exp: NOW + 3600,
	iat: NOW,
	role: 'authenticated',
	email: 'ada@example.com',
	phone: '',
	app_metadata: { provider: 'email', providers: ['email'] },
	user_metadata: { full_name: 'Ada' },
	session_id: '00000000-0000-4000-8000-000000005e55',
	aal: 'aal1',
	amr: [{ method: 'password', timestamp: NOW }],
	is_anonymous: false
};

const code = (fn: () => unknown) => {
	try {
		fn();
	} catch (error) {
		return (error as AuthError).code;
	}
	return 'no error';
};
const verify = (token: string, nowMs = NOW * 1000) =>
	verifyAccessToken(token, SECRET, { issuer: ISS, nowMs });

/** Re-signs a token whose header or payload was altered, as an attacker with the secret could not. */
function forge(header: object, payload: object, secret = SECRET) {
	const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
	return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('access tokens', () => {
	it('round-trips exactly the claims signed, with an HS256 JWT header', () => {
		const token = signAccessToken(claims, SECRET);
		expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
			alg: 'HS256',
			typ: 'JWT'
		});
		expect(verify(token)).toEqual(claims);
	});

	it('is a standard HS256 JWT: the signature is HMAC-SHA256 over header.payload', () => {
		const token = signAccessToken(claims, SECRET);
		const [h, p, s] = token.split('.');
		expect(createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')).toBe(s);
	});

	it('refuses a token signed with another secret or tampered with', () => {
		expect(
			code(() =>
				verifyAccessToken(signAccessToken(claims, 'x'.repeat(40)), SECRET, {
					issuer: ISS,
					nowMs: NOW * 1000
				})
			)
		).toBe('token_invalid');
		const [h, , s] = signAccessToken(claims, SECRET).split('.');
		const payload = Buffer.from(JSON.stringify({ ...claims, aal: 'aal2' })).toString('base64url');
		expect(code(() => verify(`${h}.${payload}.${s}`))).toBe('token_invalid');
	});

	it('refuses alg none and any algorithm but HS256', () => {
		const [, p] = signAccessToken(claims, SECRET).split('.');
		const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
		expect(code(() => verify(none))).toBe('token_invalid');
		expect(code(() => verify(forge({ alg: 'HS512', typ: 'JWT' }, claims)))).toBe('token_invalid');
	});

	it('says token_expired once exp has passed', () => {
		const token = signAccessToken(claims, SECRET);
		expect(code(() => verify(token, (NOW + 3599) * 1000))).toBe('no error');
		expect(code(() => verify(token, (NOW + 3600) * 1000))).toBe('token_expired');
	});

	it('refuses another issuer, another audience or role, and missing claims', () => {
		expect(
			code(() => verify(forge({ alg: 'HS256' }, { ...claims, iss: 'https://evil/auth/v1' })))
		).toBe('token_invalid');
		expect(code(() => verify(forge({ alg: 'HS256' }, { ...claims, aud: 'service' })))).toBe(
			'token_invalid'
		);
		expect(code(() => verify(forge({ alg: 'HS256' }, { ...claims, role: 'service_role' })))).toBe(
			'token_invalid'
		);
		const withoutSession: Partial<AccessClaims> = { ...claims };
		delete withoutSession.session_id;
		expect(code(() => verify(forge({ alg: 'HS256' }, withoutSession)))).toBe('token_invalid');
	});

	it('refuses garbage', () => {
		for (const junk of ['', 'a.b', 'a.b.c', '...', 'x'.repeat(50)]) {
			expect(code(() => verify(junk))).toBe('token_invalid');
		}
	});
});
