/**
 * A stand-in for Supabase Auth (GoTrue v2) on node:http, for testing the Supabase provider without
 * Docker. It answers the endpoints supabase-js calls with GoTrue's JSON shapes, statuses and error
 * bodies (`{ code, error_code, msg }`), and keeps its state where GoTrue does: `auth.users`,
 * `auth.sessions`, `auth.refresh_tokens`, `auth.mfa_*` of a real database, through the embedded
 * provider. Its access tokens are therefore real JWTs with Supabase's claims and
 * `iss = <url>/auth/v1`: HS256 with the secret, as a project with a JWT secret issues them, or —
 * `signingKey: 'ES256'`, as projects with asymmetric signing keys (Supabase's default for new
 * projects) do — ES256 with a `kid` whose public key `/.well-known/jwks.json` publishes.
 *
 * Like Supabase's API gateway it refuses requests without the project's `apikey`. What it leaves
 * out: OAuth/OTP/SSO/phone, the admin API, email templates (the embedded outbox holds the
 * messages, their `token` is GoTrue's `token_hash`) and GoTrue's own rate limits.
 */
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import QRCode from 'qrcode';
import type { DB } from '../../src/lib/server/platform/database';
import { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { AuthError, isAuthError, type AuthErrorCode } from '../../src/lib/server/auth/errors';
import {
	ACCESS_TOKEN_TTL_SECONDS,
	accessClaimsSchema,
	signAccessToken,
	verifyAccessToken,
	type AccessClaims
} from '../../src/lib/server/auth/jwt';
import type { AuthSession } from '../../src/lib/server/auth/provider';
import { hashToken, randomToken } from '../../src/lib/server/auth/secret';

export interface GotrueFake {
	/** The project URL (SUPABASE_URL); GoTrue answers under `${url}/auth/v1`. */
	url: string;
	anonKey: string;
	/** Method and path of every request, in order. */
	requests: string[];
	close(): Promise<void>;
}

/** An error answer as GoTrue writes it. */
class GotrueError {
	constructor(
		readonly status: number,
		readonly errorCode: string,
		readonly msg: string,
		readonly extra: Record<string, unknown> = {}
	) {}
}

type Body = Record<string, unknown>;

interface Route {
	claims: AccessClaims | null;
	body: Body;
	query: URLSearchParams;
	req: IncomingMessage;
}

export interface GotrueFakeOptions {
	/** How access tokens are signed: the JWT secret (default) or an asymmetric key in the JWKS. */
	signingKey?: 'HS256' | 'ES256';
}

export async function startGotrueFake(
	db: Kysely<DB>,
	secret: string,
	options: GotrueFakeOptions = {}
): Promise<GotrueFake> {
	const anonKey = `anon-${randomToken()}`;
	const keys = options.signingKey === 'ES256' ? signingKey() : null;
	const requests: string[] = [];
	const server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => {
			send(res, 500, { code: 500, error_code: 'unexpected_failure', msg: String(error) });
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const issuer = `${url}/auth/v1`;
	const auth = new EmbeddedAuth({ db, secret, appUrl: url });

	async function handle(req: IncomingMessage, res: ServerResponse) {
		const url = new URL(req.url ?? '/', 'http://fake');
		requests.push(`${req.method} ${url.pathname}${url.search}`);
		if (req.headers.apikey !== anonKey) {
			// Kong's answer, before GoTrue sees the request.
			return send(res, 401, { message: 'No API key found in request' });
		}
		const path = url.pathname.replace(/^\/auth\/v1/, '');
		try {
			const body = await readJson(req);
			const needsUser = ![
				'/signup',
				'/verify',
				'/token',
				'/recover',
				'/.well-known/jwks.json'
			].includes(path);
			const claims = needsUser ? await authenticate(req) : null;
			const route: Route = { claims, body, query: url.searchParams, req };
			const answer = await dispatch(req.method ?? 'GET', path, route);
			if (answer === null) return send(res, 204);
			return send(res, 200, answer);
		} catch (error) {
			const gotrue = error instanceof GotrueError ? error : fromAuthError(error);
			return send(res, gotrue.status, {
				code: gotrue.status,
				error_code: gotrue.errorCode,
				msg: gotrue.msg,
				...gotrue.extra
			});
		}
	}

	async function dispatch(method: string, path: string, r: Route): Promise<unknown> {
		const factor = /^\/factors\/([^/]+)(\/challenge|\/verify)?$/.exec(path);
		if (method === 'GET' && path === '/.well-known/jwks.json') {
			return { keys: keys ? [keys.jwk] : [] };
		}
		if (method === 'POST' && path === '/signup') return signUp(r.body);
		if (method === 'POST' && path === '/verify') return verify(r.body);
		if (method === 'POST' && path === '/token') return token(r);
		if (method === 'POST' && path === '/recover') {
			await auth.requestPasswordReset(String(r.body.email ?? ''));
			return {};
		}
		if (method === 'POST' && path === '/logout') return logout(r.claims!, r.query.get('scope'));
		if (method === 'GET' && path === '/user') return userJson(r.claims!.sub);
		if (method === 'PUT' && path === '/user') return updateUser(r.claims!, r.body);
		if (method === 'POST' && path === '/factors') return enroll(r.claims!, r.body);
		if (factor && method === 'POST' && factor[2] === '/challenge') {
			return challenge(r.claims!, factor[1]!);
		}
		if (factor && method === 'POST' && factor[2] === '/verify') {
			return verifyFactor(r.claims!, factor[1]!, r.body);
		}
		if (factor && method === 'DELETE' && !factor[2]) {
			await auth.unenrolTotp(r.claims!, factor[1]!);
			return { id: factor[1] };
		}
		throw new GotrueError(404, 'not_found', 'Not Found');
	}

	/** GoTrue's requireAuthentication: a valid bearer token whose session still exists. */
	async function authenticate(req: IncomingMessage): Promise<AccessClaims> {
		const header = req.headers.authorization ?? '';
		const jwt = /^Bearer (.+)$/i.exec(header)?.[1];
		if (!jwt) {
			throw new GotrueError(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
		}
		let claims: AccessClaims;
		try {
			// GoTrue checks the signature and expiry, not the issuer: that is the verifier's job.
			claims = keys
				? verifyEs256(jwt, keys)
				: verifyAccessToken(jwt, secret, { issuer: issuerOf(jwt) });
		} catch (error) {
			if (!isAuthError(error)) throw error;
			const why = error.code === 'token_expired' ? 'token is expired' : 'signature is invalid';
			throw new GotrueError(
				403,
				'bad_jwt',
				`invalid JWT: unable to parse or verify signature, ${why}`
			);
		}
		const session = await sql`select 1 from auth.sessions
		                           where id = ${claims.session_id} and user_id = ${claims.sub}`.execute(db);
		if (session.rows.length === 0) {
			throw new GotrueError(
				403,
				'session_not_found',
				'Session from session_id claim in JWT does not exist'
			);
		}
		return claims;
	}

	async function signUp(body: Body) {
		const email = String(body.email ?? '');
		await auth.signUp({
			email,
			password: String(body.password ?? ''),
			userMetadata: (body.data as Record<string, unknown> | undefined) ?? {}
		});
		const row = await userRow(sql`lower(email) = ${email.trim().toLowerCase()}`);
		// An address that is already confirmed gets a made-up user, so sign-up reveals nothing.
		if (!row || row.email_confirmed_at) {
			const now = new Date().toISOString();
			return {
				id: crypto.randomUUID(),
				aud: 'authenticated',
				role: 'authenticated',
				email,
				phone: '',
				confirmation_sent_at: now,
				app_metadata: { provider: 'email', providers: ['email'] },
				user_metadata: body.data ?? {},
				identities: [],
				created_at: now,
				updated_at: now,
				is_anonymous: false
			};
		}
		return userJsonOf(row);
	}

	async function verify(body: Body) {
		const type = String(body.type ?? '');
		const tokenHash = String(body.token_hash ?? '');
		if (type === 'recovery') return issueSession(await useRecoveryToken(tokenHash), 'recovery');
		if (type !== 'email' && type !== 'signup') {
			throw new GotrueError(400, 'validation_failed', 'Verify requires a verification type');
		}
		let userId: string;
		try {
			userId = (await auth.confirmEmail(tokenHash)).userId;
		} catch (error) {
			if (!isAuthError(error)) throw error;
			throw new GotrueError(403, 'otp_expired', 'Email link is invalid or has expired');
		}
		return issueSession(userId, 'otp');
	}

	/** GoTrue's recovery verify: the link (1 h, once) proves the address and signs the person in. */
	async function useRecoveryToken(tokenHash: string): Promise<string> {
		const row = (
			await sql<{ id: string }>`
				update auth.users set recovery_token = '', updated_at = now(),
				       email_confirmed_at = coalesce(email_confirmed_at, now())
				 where recovery_token = ${hashToken(tokenHash)} and recovery_token <> ''
				   and recovery_sent_at > now() - interval '1 hour'
				returning id`.execute(db)
		).rows[0];
		if (!row) throw new GotrueError(403, 'otp_expired', 'Email link is invalid or has expired');
		return row.id;
	}

	async function token(r: Route) {
		const grant = r.query.get('grant_type');
		if (grant === 'password') {
			const session = await auth.signIn(String(r.body.email ?? ''), String(r.body.password ?? ''), {
				userAgent: r.req.headers['user-agent'],
				ip: String(r.req.headers['x-forwarded-for'] ?? '')
					.split(',')[0]
					?.trim()
			});
			return sessionJson(session);
		}
		if (grant === 'refresh_token') {
			const refreshToken = String(r.body.refresh_token ?? '');
			const known = await sql<{ revoked: boolean }>`select revoked from auth.refresh_tokens
			                                               where token = ${hashToken(refreshToken)}`.execute(
				db
			);
			try {
				return sessionJson(await auth.refresh(refreshToken));
			} catch (error) {
				if (!isAuthError(error)) throw error;
				if (known.rows[0]?.revoked) {
					throw new GotrueError(
						400,
						'refresh_token_already_used',
						'Invalid Refresh Token: Already Used'
					);
				}
				throw new GotrueError(
					400,
					'refresh_token_not_found',
					'Invalid Refresh Token: Refresh Token Not Found'
				);
			}
		}
		throw new GotrueError(400, 'validation_failed', 'unsupported_grant_type');
	}

	async function logout(claims: AccessClaims, scope: string | null) {
		if (scope === 'others') await auth.revokeOtherSessions(claims);
		else if (scope === 'local') await auth.signOut(claims);
		else await sql`delete from auth.sessions where user_id = ${claims.sub}`.execute(db);
		return null;
	}

	async function updateUser(claims: AccessClaims, body: Body) {
		if (typeof body.password === 'string') {
			const password = body.password;
			if (password.length < 6) {
				throw new GotrueError(422, 'weak_password', 'Password should be at least 6 characters.', {
					weak_password: { reasons: ['length'] }
				});
			}
			const same = await sql<{ same: boolean }>`
				select encrypted_password = extensions.crypt(${password}, encrypted_password) as same
				  from auth.users where id = ${claims.sub}`.execute(db);
			if (same.rows[0]?.same) {
				throw new GotrueError(
					422,
					'same_password',
					'New password should be different from the old password.'
				);
			}
			await sql`update auth.users
			             set encrypted_password = extensions.crypt(${password}, extensions.gen_salt('bf', 10)),
			                 updated_at = now()
			           where id = ${claims.sub}`.execute(db);
		}
		return userJson(claims.sub);
	}

	async function enroll(claims: AccessClaims, body: Body) {
		if (body.factor_type !== 'totp') {
			throw new GotrueError(422, 'validation_failed', 'factor_type needs to be totp');
		}
		const friendlyName = typeof body.friendly_name === 'string' ? body.friendly_name : undefined;
		const enrolment = await auth.enrolTotp(claims, friendlyName);
		return {
			id: enrolment.factorId,
			type: 'totp',
			friendly_name: friendlyName ?? '',
			totp: {
				qr_code: await QRCode.toString(enrolment.uri, { type: 'svg' }),
				secret: enrolment.secret,
				uri: enrolment.uri
			}
		};
	}

	/** GoTrue challenges unverified factors too (their first code is verified through one). */
	async function challenge(claims: AccessClaims, factorId: string) {
		await ownFactor(claims, factorId);
		const row = (
			await sql<{ id: string; expires_at: number }>`
				insert into auth.mfa_challenges (id, factor_id, created_at)
				values (gen_random_uuid(), ${factorId}, now())
				returning id, floor(extract(epoch from created_at + interval '5 minutes'))::float8 as expires_at`.execute(
				db
			)
		).rows[0]!;
		return { id: row.id, type: 'totp', expires_at: Number(row.expires_at) };
	}

	async function verifyFactor(claims: AccessClaims, factorId: string, body: Body) {
		const status = await ownFactor(claims, factorId);
		const challengeId = String(body.challenge_id ?? '');
		const code = String(body.code ?? '');
		if (status === 'verified') {
			return sessionJson(await auth.verifyTotp(claims, { factorId, challengeId, code }));
		}
		const found = (
			await sql<{ used: boolean; fresh: boolean }>`
				select verified_at is not null as used, created_at > now() - interval '5 minutes' as fresh
				  from auth.mfa_challenges where id::text = ${challengeId} and factor_id = ${factorId}`.execute(db)
		).rows[0];
		if (!found || found.used) {
			throw new GotrueError(
				404,
				'mfa_factor_not_found',
				'MFA factor with the provided challenge ID not found'
			);
		}
		if (!found.fresh) {
			throw new GotrueError(
				422,
				'mfa_challenge_expired',
				'MFA challenge has expired, verify against another challenge or create a new challenge.'
			);
		}
		const { session } = await auth.verifyTotpEnrolment(claims, factorId, code);
		await sql`update auth.mfa_challenges set verified_at = now() where id = ${challengeId}::uuid`.execute(
			db
		);
		return sessionJson(session);
	}

	async function ownFactor(claims: AccessClaims, factorId: string): Promise<string> {
		const row = (
			await sql<{ status: string }>`select status::text as status from auth.mfa_factors
			                              where id::text = ${factorId} and user_id = ${claims.sub}`.execute(db)
		).rows[0];
		if (!row) throw new GotrueError(404, 'mfa_factor_not_found', 'Factor not found');
		return row.status;
	}

	/** A session as GoTrue's /verify starts one (the embedded provider signs in with passwords only). */
	async function issueSession(userId: string, method: string) {
		const sessionId = (
			await sql<{ id: string }>`
				insert into auth.sessions (id, user_id, created_at, updated_at, refreshed_at, aal, not_after)
				values (gen_random_uuid(), ${userId}, now(), now(), now(), 'aal1', now() + interval '30 days')
				returning id`.execute(db)
		).rows[0]!.id;
		await sql`insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
		          values (${sessionId}, now(), now(), ${method}, gen_random_uuid())`.execute(db);
		const refreshToken = randomToken();
		await sql`insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
		          values ('00000000-0000-0000-0000-000000000000', ${hashToken(refreshToken)}, ${userId}, false,
		                  now(), now(), ${sessionId})`.execute(db);
		const user = await userJson(userId);
		const iat = Math.floor(Date.now() / 1000);
		const claims: AccessClaims = {
			iss: issuer,
			sub: userId,
			aud: 'authenticated',
			exp: iat + ACCESS_TOKEN_TTL_SECONDS,
			iat,
			role: 'authenticated',
			email: String(user.email),
			phone: '',
			app_metadata: user.app_metadata as Record<string, unknown>,
			user_metadata: user.user_metadata as Record<string, unknown>,
			session_id: sessionId,
			aal: 'aal1',
			amr: [{ method, timestamp: iat }],
			is_anonymous: false
		};
		return {
			access_token: issue(signAccessToken(claims, secret)),
			token_type: 'bearer',
			expires_in: ACCESS_TOKEN_TTL_SECONDS,
			expires_at: claims.exp,
			refresh_token: refreshToken,
			user
		};
	}

	/** The access token as this project signs it: the embedded provider's HS256 one, or re-signed. */
	function issue(hs256: string): string {
		if (!keys) return hs256;
		const header = Buffer.from(
			JSON.stringify({ alg: 'ES256', kid: keys.jwk.kid, typ: 'JWT' })
		).toString('base64url');
		const input = `${header}.${hs256.split('.')[1]}`;
		const signature = sign('sha256', Buffer.from(input), {
			key: keys.privateKey,
			dsaEncoding: 'ieee-p1363'
		});
		return `${input}.${signature.toString('base64url')}`;
	}

	async function sessionJson(session: AuthSession) {
		return {
			access_token: issue(session.accessToken),
			token_type: 'bearer',
			expires_in: session.expiresIn,
			expires_at: session.expiresAt,
			refresh_token: session.refreshToken,
			user: await userJson(session.user.id)
		};
	}

	type UserRow = {
		id: string;
		email: string;
		email_confirmed_at: Date | null;
		confirmation_sent_at: Date | null;
		last_sign_in_at: Date | null;
		raw_app_meta_data: Record<string, unknown> | null;
		raw_user_meta_data: Record<string, unknown> | null;
		created_at: Date;
		updated_at: Date;
	};

	async function userRow(where: ReturnType<typeof sql>): Promise<UserRow | undefined> {
		return (
			await sql<UserRow>`select id, email, email_confirmed_at, confirmation_sent_at, last_sign_in_at,
			                          raw_app_meta_data, raw_user_meta_data, created_at, updated_at
			                     from auth.users where ${where}`.execute(db)
		).rows[0];
	}

	async function userJson(userId: string): Promise<Record<string, unknown>> {
		const row = await userRow(sql`id = ${userId}`);
		if (!row) throw new GotrueError(404, 'user_not_found', 'User not found');
		return userJsonOf(row);
	}

	/** GoTrue's user object; `factors` only when there are some, as GoTrue omits an empty list. */
	async function userJsonOf(row: UserRow): Promise<Record<string, unknown>> {
		const factors = (
			await sql<{
				id: string;
				friendly_name: string | null;
				status: string;
				created_at: Date;
				updated_at: Date;
			}>`select id, friendly_name, status::text as status, created_at, updated_at
			     from auth.mfa_factors where user_id = ${row.id} order by created_at`.execute(db)
		).rows;
		const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
		return {
			id: row.id,
			aud: 'authenticated',
			role: 'authenticated',
			email: row.email,
			email_confirmed_at: iso(row.email_confirmed_at),
			phone: '',
			confirmation_sent_at: iso(row.confirmation_sent_at),
			confirmed_at: iso(row.email_confirmed_at),
			last_sign_in_at: iso(row.last_sign_in_at),
			app_metadata: row.raw_app_meta_data ?? { provider: 'email', providers: ['email'] },
			user_metadata: row.raw_user_meta_data ?? {},
			identities: [],
			...(factors.length > 0
				? {
						factors: factors.map((f) => ({
							id: f.id,
							friendly_name: f.friendly_name ?? '',
							factor_type: 'totp',
							status: f.status,
							created_at: f.created_at.toISOString(),
							updated_at: f.updated_at.toISOString()
						}))
					}
				: {}),
			created_at: row.created_at.toISOString(),
			updated_at: row.updated_at.toISOString(),
			is_anonymous: false
		};
	}

	return {
		url,
		anonKey,
		requests,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

interface SigningKey {
	privateKey: KeyObject;
	/** The public key as GoTrue's JWKS lists it. */
	jwk: Record<string, unknown> & { kid: string };
}

function signingKey(): SigningKey {
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const jwk = publicKey.export({ format: 'jwk' });
	return {
		privateKey,
		jwk: { ...jwk, kid: randomUUID(), alg: 'ES256', use: 'sig', key_ops: ['verify'] }
	};
}

/** GoTrue's check of an ES256 token: its key, its signature, its expiry, Supabase's claims. */
function verifyEs256(jwt: string, keys: SigningKey): AccessClaims {
	const [header = '', payload = '', signature = ''] = jwt.split('.');
	const parsed = (part: string): Record<string, unknown> => {
		try {
			return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
		} catch {
			throw new AuthError('token_invalid');
		}
	};
	const head = parsed(header);
	const valid =
		head.alg === 'ES256' &&
		head.kid === keys.jwk.kid &&
		verify(
			'sha256',
			Buffer.from(`${header}.${payload}`),
			{ key: keys.privateKey, dsaEncoding: 'ieee-p1363' },
			Buffer.from(signature, 'base64url')
		);
	if (!valid) throw new AuthError('token_invalid');
	const claims = accessClaimsSchema.safeParse(parsed(payload));
	if (!claims.success) throw new AuthError('token_invalid');
	if (claims.data.exp <= Date.now() / 1000) throw new AuthError('token_expired');
	return claims.data;
}

/** How GoTrue answers the situations the embedded provider reports with these codes. */
const GOTRUE_ERRORS: Record<AuthErrorCode, [number, string, string]> = {
	invalid_credentials: [400, 'invalid_credentials', 'Invalid login credentials'],
	email_not_confirmed: [400, 'email_not_confirmed', 'Email not confirmed'],
	user_locked: [429, 'over_request_rate_limit', 'Request rate limit reached'],
	weak_password: [
		422,
		'weak_password',
		'Password is known to be weak and easy to guess, please choose a different one.'
	],
	token_expired: [
		422,
		'mfa_challenge_expired',
		'MFA challenge has expired, verify against another challenge or create a new challenge.'
	],
	token_invalid: [404, 'mfa_factor_not_found', 'Factor not found'],
	mfa_required: [403, 'insufficient_aal', 'AAL2 required to perform this action'],
	mfa_invalid_code: [422, 'mfa_verification_failed', 'Invalid TOTP code entered'],
	rate_limited: [429, 'over_request_rate_limit', 'Request rate limit reached'],
	email_taken: [422, 'email_exists', 'Email address already registered by another user'],
	not_supported: [404, 'not_found', 'Not Found']
};

function fromAuthError(error: unknown): GotrueError {
	if (!isAuthError(error)) throw error;
	const [status, code, msg] = GOTRUE_ERRORS[error.code];
	return new GotrueError(
		status,
		code,
		msg,
		error.code === 'weak_password' ? { weak_password: { reasons: ['characters'] } } : {}
	);
}

function issuerOf(jwt: string): string {
	try {
		const payload: unknown = JSON.parse(
			Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')
		);
		const iss = (payload as { iss?: unknown } | null)?.iss;
		return typeof iss === 'string' ? iss : '';
	} catch {
		return '';
	}
}

async function readJson(req: IncomingMessage): Promise<Body> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	if (chunks.length === 0) return {};
	try {
		const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
		return typeof value === 'object' && value !== null ? (value as Body) : {};
	} catch {
		throw new GotrueError(400, 'bad_json', 'Could not parse request body as JSON');
	}
}

function send(res: ServerResponse, status: number, body?: unknown) {
	if (body === undefined) {
		res.writeHead(status).end();
		return;
	}
	res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
