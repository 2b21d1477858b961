/**
 * Access tokens: HS256 JWTs (RFC 7519) carrying exactly the claims Supabase Auth puts in its
 * tokens, so SQL (auth.uid(), auth.jwt()) and the app cannot tell which provider issued one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AuthError } from './errors';

export const ACCESS_TOKEN_TTL_SECONDS = 3600;

export type Aal = 'aal1' | 'aal2';
/** `sso/saml` and `sso/oidc` as Supabase Auth names single sign-on (docs/sso.md). */
export type AmrMethod = 'password' | 'totp' | 'recovery' | 'sso/saml' | 'sso/oidc';

export const accessClaimsSchema = z.object({
	iss: z.string(),
	sub: z.uuid(),
	aud: z.literal('authenticated'),
	exp: z.number().int(),
	iat: z.number().int(),
	role: z.literal('authenticated'),
	email: z.string(),
	phone: z.string(),
	app_metadata: z.record(z.string(), z.unknown()),
	user_metadata: z.record(z.string(), z.unknown()),
	session_id: z.uuid(),
	aal: z.enum(['aal1', 'aal2']),
	amr: z.array(z.object({ method: z.string(), timestamp: z.number().int() })),
	is_anonymous: z.boolean()
});

/** The claims of a Supabase Auth access token (and of the embedded provider's). */
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(input: string | Buffer): string {
	return Buffer.from(input).toString('base64url');
}

function signature(secret: string, signingInput: string): Buffer {
	return createHmac('sha256', secret).update(signingInput).digest();
}

export function signAccessToken(claims: AccessClaims, secret: string): string {
	const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
	return `${signingInput}.${signature(secret, signingInput).toString('base64url')}`;
}

/**
 * Checks the signature (HS256 only: the header cannot choose another algorithm), the issuer, the
 * audience and expiry, and the shape of every claim. Any failure is `token_invalid`, except an
 * expired but otherwise valid token, which is `token_expired` so the caller knows to refresh.
 */
export function verifyAccessToken(
	token: string,
	secret: string,
	options: { issuer: string; nowMs?: number }
): AccessClaims {
	const parts = token.split('.');
	if (parts.length !== 3) throw new AuthError('token_invalid');
	const [header, payload, sig] = parts as [string, string, string];
	let parsedHeader: unknown;
	try {
		parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
	} catch {
		throw new AuthError('token_invalid');
	}
	if (
		typeof parsedHeader !== 'object' ||
		parsedHeader === null ||
		(parsedHeader as { alg?: unknown }).alg !== 'HS256'
	) {
		throw new AuthError('token_invalid');
	}
	const expected = signature(secret, `${header}.${payload}`);
	const given = Buffer.from(sig, 'base64url');
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
		throw new AuthError('token_invalid');
	}
	let body: unknown;
	try {
		body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
	} catch {
		throw new AuthError('token_invalid');
	}
	const claims = accessClaimsSchema.safeParse(body);
	if (!claims.success || claims.data.iss !== options.issuer) throw new AuthError('token_invalid');
	const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
	if (claims.data.exp <= now) throw new AuthError('token_expired');
	return claims.data;
}
