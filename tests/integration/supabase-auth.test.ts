/**
 * The Supabase provider (supabase-js) against a GoTrue stand-in on node:http whose
 * state is the auth schema of an embedded database (tests/support/gotrue-fake.ts): every call
 * below crosses HTTP the way it would to a Supabase project. The second half runs the app itself
 * with AUTH_PROVIDER=supabase and reads and writes its cookies with @supabase/ssr's own clients
 * and functions, as a browser supabase-js client (Realtime, Storage, an internal tool) would.
 */
import { request as httpRequest } from 'node:http';
import {
	createBrowserClient,
	createChunks,
	createServerClient,
	stringFromBase64URL,
	stringToBase64URL
} from '@supabase/ssr';
import type { Session, SupabaseClient, WebSocketLikeConstructor } from '@supabase/supabase-js';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { openServer, type ServerEngine } from '../../src/lib/server/platform/server';
import { createAuthProvider } from '../../src/lib/server/auth';
import { AuthError } from '../../src/lib/server/auth/errors';
import { signAccessToken } from '../../src/lib/server/auth/jwt';
import { listOutbox } from '../../src/lib/server/auth/outbox';
import type { AuthSession } from '../../src/lib/server/auth/provider';
import { SupabaseAuth } from '../../src/lib/server/auth/supabase';
import { totpCode } from '../../src/lib/server/auth/totp';
import { ConfigError, loadConfig } from '../../src/lib/server/platform/config';
import { freePort, startApp, type App } from '../support/app';
import { startGotrueFake, type GotrueFake } from '../support/gotrue-fake';
import { codeOf, confirmationToken as confirmationTokenIn } from '../support/auth';
import { migrated } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const SECRET = 'supabase-fake-jwt-secret-of-more-than-32-characters';
const PASSWORD = 'Correct horse 42';

describe('Supabase provider against a GoTrue stand-in', () => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let gotrue: GotrueFake;
	let auth: SupabaseAuth;

	const confirmationToken = (email: string) => confirmationTokenIn(db, email);

	async function confirmedUser(email: string): Promise<void> {
		await auth.signUp({ email, password: PASSWORD, userMetadata: { full_name: 'Ada' } });
		await auth.confirmEmail(await confirmationToken(email));
	}

	const claimsOf = (session: AuthSession) => auth.verifyAccessToken(session.accessToken);
	const sessionCount = async (userId: string) =>
		Number(
			(
				await sql<{ n: number }>`select count(*)::int as n from auth.sessions
				                          where user_id = ${userId}`.execute(db)
			).rows[0]!.n
		);

	beforeAll(async () => {
		t = await migrated(embeddedFactory);
		db = t.engine.db;
		gotrue = await startGotrueFake(db, SECRET);
		auth = new SupabaseAuth({ url: gotrue.url, anonKey: gotrue.anonKey, db });
	});
	afterAll(async () => {
		await gotrue.close();
		await t.dispose();
	});

	describe('configuration', () => {
		it('AUTH_PROVIDER=supabase needs SUPABASE_URL and SUPABASE_ANON_KEY, one line each', () => {
			let problems: string[] = [];
			try {
				loadConfig({ AUTH_PROVIDER: 'supabase' });
			} catch (error) {
				if (!(error instanceof ConfigError)) throw error;
				problems = error.problems;
			}
			expect(problems).toEqual([
				'SUPABASE_URL: is required when AUTH_PROVIDER=supabase (Project Settings → API)',
				'SUPABASE_ANON_KEY: is required when AUTH_PROVIDER=supabase (Project Settings → API)'
			]);
			expect(() => loadConfig({ AUTH_PROVIDER: 'firebase' })).toThrow(
				'AUTH_PROVIDER: expected "embedded" or "supabase" (got "firebase")'
			);
		});

		it('createAuthProvider picks the provider AUTH_PROVIDER names (embedded by default)', () => {
			const supabase = loadConfig({
				AUTH_PROVIDER: 'supabase',
				SUPABASE_URL: `${gotrue.url}/`,
				SUPABASE_ANON_KEY: gotrue.anonKey,
				DATA_DIR: 'memory://'
			});
			expect(supabase.SUPABASE_URL).toBe(gotrue.url);
			expect(createAuthProvider(db, supabase)).toBeInstanceOf(SupabaseAuth);
			const embedded = loadConfig({ DATA_DIR: 'memory://' });
			expect(embedded.AUTH_PROVIDER).toBe('embedded');
			expect(createAuthProvider(db, embedded)).not.toBeInstanceOf(SupabaseAuth);
		});
	});

	describe('sign-up, sign-in, tokens', () => {
		it('signs up, confirms, signs in, verifies with getClaims, rotates the refresh token and signs out', async () => {
			const email = 'ada@example.com';
			expect(await auth.signUp({ email: ' Ada@Example.com ', password: PASSWORD })).toEqual({
				email
			});
			expect(await codeOf(auth.signIn(email, PASSWORD))).toBe('email_not_confirmed');

			const confirmed = await auth.confirmEmail(await confirmationToken(email));
			expect(confirmed.email).toBe(email);
			// GoTrue's /verify starts a session; confirming is not signing in, so it was ended.
			expect(await sessionCount(confirmed.userId)).toBe(0);

			const session = await auth.signIn(email, PASSWORD, { userAgent: 'Vitest/1.0' });
			expect(session).toMatchObject({
				tokenType: 'bearer',
				expiresIn: 3600,
				aal: 'aal1',
				user: { id: confirmed.userId, email }
			});
			expect(session.user.emailConfirmedAt).toBeInstanceOf(Date);
			expect(session.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3500);

			gotrue.requests.length = 0;
			const claims = await claimsOf(session);
			// An HS256 token: getClaims asks GoTrue's /user, which also proves the session exists.
			expect(gotrue.requests).toEqual(['GET /auth/v1/user']);
			expect(claims).toMatchObject({
				iss: `${gotrue.url}/auth/v1`,
				sub: confirmed.userId,
				aud: 'authenticated',
				role: 'authenticated',
				email,
				session_id: session.sessionId,
				aal: 'aal1'
			});
			expect(claims.amr.map((a) => a.method)).toEqual(['password']);

			const [listed] = await auth.listSessions(claims);
			expect(listed).toMatchObject({ id: session.sessionId, userAgent: 'Vitest/1.0' });

			const rotated = await auth.refresh(session.refreshToken);
			expect(rotated.refreshToken).not.toBe(session.refreshToken);
			expect(rotated.sessionId).toBe(session.sessionId);
			expect((await claimsOf(rotated)).session_id).toBe(session.sessionId);

			await auth.signOut(await claimsOf(rotated));
			expect(await codeOf(claimsOf(rotated))).toBe('token_invalid');
			expect(await codeOf(auth.refresh(rotated.refreshToken))).toBe('token_invalid');
		});

		it('a rotated refresh token used again ends the session for both holders', async () => {
			const session = await auth.signIn('ada@example.com', PASSWORD);
			const next = await auth.refresh(session.refreshToken);
			expect(await codeOf(auth.refresh(session.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.refresh(next.refreshToken))).toBe('token_invalid');
			expect(await codeOf(claimsOf(next))).toBe('token_invalid');
		});

		it('refuses a wrong password, an unknown address and a used confirmation link', async () => {
			expect(await codeOf(auth.signIn('ada@example.com', 'Wrong horse 42'))).toBe(
				'invalid_credentials'
			);
			expect(await codeOf(auth.signIn('nobody@example.com', PASSWORD))).toBe('invalid_credentials');
			await auth.signUp({ email: 'bea@example.com', password: PASSWORD });
			const token = await confirmationToken('bea@example.com');
			await auth.confirmEmail(token);
			expect(await codeOf(auth.confirmEmail(token))).toBe('token_expired');
		});

		it('applies the app password rules before asking GoTrue', async () => {
			const before = gotrue.requests.length;
			const error = await auth
				.signUp({ email: 'cy@example.com', password: 'short' })
				.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(AuthError);
			expect((error as AuthError).code).toBe('weak_password');
			expect((error as AuthError).issues.length).toBeGreaterThan(0);
			expect(gotrue.requests.length).toBe(before);
		});

		it('refuses expired, foreign-issuer and forged tokens, and claims it did not verify', async () => {
			await confirmedUser('hal@example.com');
			const session = await auth.signIn('hal@example.com', PASSWORD);
			const claims = await claimsOf(session);
			const now = Math.floor(Date.now() / 1000);
			const expired = signAccessToken({ ...claims, iat: now - 7200, exp: now - 3600 }, SECRET);
			expect(await codeOf(auth.verifyAccessToken(expired))).toBe('token_expired');
			const foreign = signAccessToken(
				{ ...claims, iss: 'https://other.supabase.co/auth/v1' },
				SECRET
			);
			expect(await codeOf(auth.verifyAccessToken(foreign))).toBe('token_invalid');
			const forged = signAccessToken(claims, 'another-secret-of-more-than-32-characters!!');
			expect(await codeOf(auth.verifyAccessToken(forged))).toBe('token_invalid');
			// Claims copied rather than verified carry no token GoTrue could act on.
			expect(await codeOf(auth.listFactors({ ...claims }))).toBe('token_invalid');
		});

		it('treats a refused anon key as a configuration fault, not a sign-in refusal', async () => {
			const misconfigured = new SupabaseAuth({ url: gotrue.url, anonKey: 'not-the-anon-key', db });
			await expect(misconfigured.signIn('ada@example.com', PASSWORD)).rejects.not.toBeInstanceOf(
				AuthError
			);
		});
	});

	describe('sessions and passwords', () => {
		it('lists, revokes one and revokes the others of the person only', async () => {
			await confirmedUser('dee@example.com');
			const a = await auth.signIn('dee@example.com', PASSWORD);
			const b = await auth.signIn('dee@example.com', PASSWORD);
			const c = await auth.signIn('dee@example.com', PASSWORD);
			const ada = await auth.signIn('ada@example.com', PASSWORD);
			const claims = await claimsOf(a);

			const listed = await auth.listSessions(claims);
			expect(listed.map((s) => s.id).sort()).toEqual([a, b, c].map((s) => s.sessionId).sort());
			expect(listed.filter((s) => s.current).map((s) => s.id)).toEqual([a.sessionId]);

			expect(await auth.revokeSession(claims, ada.sessionId)).toBe(false);
			expect(await auth.revokeSession(claims, b.sessionId)).toBe(true);
			expect(await codeOf(auth.refresh(b.refreshToken))).toBe('token_invalid');
			expect(await auth.revokeOtherSessions(claims)).toBe(1);
			expect(await codeOf(auth.refresh(c.refreshToken))).toBe('token_invalid');
			expect((await auth.listSessions(claims)).map((s) => s.id)).toEqual([a.sessionId]);
			expect(await codeOf(claimsOf(ada))).toBe('ok');

			await auth.signOut(claims);
			expect(await codeOf(auth.listSessions(claims))).toBe('token_invalid');
		});

		it('changes a password only with the current one, and ends the other sessions', async () => {
			await confirmedUser('eve@example.com');
			const mine = await auth.signIn('eve@example.com', PASSWORD);
			const other = await auth.signIn('eve@example.com', PASSWORD);
			const claims = await claimsOf(mine);
			const next = 'Battery staple 77';

			expect(await codeOf(auth.changePassword(claims, 'Wrong horse 42', next))).toBe(
				'invalid_credentials'
			);
			expect(await codeOf(auth.changePassword(claims, PASSWORD, 'short'))).toBe('weak_password');
			expect(await auth.changePassword(claims, PASSWORD, next)).toBe(1);

			expect(await codeOf(auth.refresh(other.refreshToken))).toBe('token_invalid');
			expect(await codeOf(claimsOf(mine))).toBe('ok');
			expect(await codeOf(auth.signIn('eve@example.com', PASSWORD))).toBe('invalid_credentials');
			expect(await codeOf(auth.signIn('eve@example.com', next))).toBe('ok');
		});

		it('resets a password through the emailed link, once, ending every session', async () => {
			await confirmedUser('gus@example.com');
			const before = await auth.signIn('gus@example.com', PASSWORD);
			gotrue.requests.length = 0;
			await auth.requestPasswordReset('gus@example.com');
			await auth.requestPasswordReset('nobody@example.com');
			expect(gotrue.requests).toEqual(['POST /auth/v1/recover', 'POST /auth/v1/recover']);
			const mail = (await listOutbox(db, 500)).find(
				(m) => m.toAddress === 'gus@example.com' && m.template === 'reset_password'
			);
			const token = new URL(String(mail?.payload.link)).searchParams.get('token')!;
			const next = 'Battery staple 78';

			const requests = gotrue.requests.length;
			expect(await codeOf(auth.resetPassword(token, 'short'))).toBe('weak_password');
			// Refused before the single-use link was spent.
			expect(gotrue.requests.length).toBe(requests);
			await auth.resetPassword(token, next);
			expect(await codeOf(auth.resetPassword(token, next))).toBe('token_expired');

			expect(await codeOf(auth.refresh(before.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.signIn('gus@example.com', PASSWORD))).toBe('invalid_credentials');
			const after = await auth.signIn('gus@example.com', next);
			expect((await auth.listSessions(await claimsOf(after))).map((s) => s.id)).toEqual([
				after.sessionId
			]);
		});
	});

	describe('TOTP', () => {
		let secret = '';
		let factorId = '';

		it('enrols a factor, verifies its first code and raises the session to aal2', async () => {
			await confirmedUser('fay@example.com');
			const session = await auth.signIn('fay@example.com', PASSWORD);
			const claims = await claimsOf(session);
			expect(await auth.getAssuranceLevel(claims)).toEqual({ current: 'aal1', next: 'aal1' });

			const enrolment = await auth.enrolTotp(claims, 'Phone');
			({ secret, factorId } = enrolment);
			expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Tenantry:fay%40example\.com\?secret=/);
			expect((await auth.listFactors(claims)).map((f) => [f.id, f.status, f.friendlyName])).toEqual(
				[[factorId, 'unverified', 'Phone']]
			);

			expect(await codeOf(auth.verifyTotpEnrolment(claims, factorId, '000000'))).toBe(
				'mfa_invalid_code'
			);
			const { session: raised, recoveryCodes } = await auth.verifyTotpEnrolment(
				claims,
				factorId,
				totpCode(secret)
			);
			// Supabase Auth has no recovery codes.
			expect(recoveryCodes).toEqual([]);
			expect(raised.aal).toBe('aal2');
			const raisedClaims = await claimsOf(raised);
			expect(raisedClaims.aal).toBe('aal2');
			expect(raisedClaims.amr.map((a) => a.method)).toContain('totp');
			expect(await auth.getAssuranceLevel(raisedClaims)).toEqual({ current: 'aal2', next: 'aal2' });
		});

		it('makes a later sign-in step up with a challenge, and keeps verified factors from aal1 hands', async () => {
			const session = await auth.signIn('fay@example.com', PASSWORD);
			const claims = await claimsOf(session);
			expect(session.aal).toBe('aal1');
			expect(await auth.getAssuranceLevel(claims)).toEqual({ current: 'aal1', next: 'aal2' });
			expect(await codeOf(auth.unenrolTotp(claims, factorId))).toBe('mfa_required');
			expect(await codeOf(auth.enrolTotp(claims))).toBe('mfa_required');
			expect(await codeOf(auth.verifyRecoveryCode(claims, 'abcde-fghij'))).toBe('not_supported');

			const wrong = await auth.challengeTotp(claims, factorId);
			expect(wrong.expiresAt.getTime()).toBeGreaterThan(Date.now());
			expect(
				await codeOf(
					auth.verifyTotp(claims, { factorId, challengeId: wrong.challengeId, code: '000000' })
				)
			).toBe('mfa_invalid_code');

			const { challengeId } = await auth.challengeTotp(claims, factorId);
			// The enrolment used this step's code; the next step's is inside the ±1 step window.
			const raised = await auth.verifyTotp(claims, {
				factorId,
				challengeId,
				code: totpCode(secret, Date.now() + 30_000)
			});
			expect(raised.aal).toBe('aal2');
			expect(raised.sessionId).toBe(session.sessionId);

			await auth.unenrolTotp(await claimsOf(raised), factorId);
			expect(await auth.listFactors(await claimsOf(raised))).toEqual([]);
		});
	});
});

describe('Supabase provider with asymmetric signing keys (ES256, JWKS)', () => {
	let t: TestEngine;
	let gotrue: GotrueFake;
	let auth: SupabaseAuth;

	beforeAll(async () => {
		t = await migrated(embeddedFactory);
		gotrue = await startGotrueFake(t.engine.db, SECRET, { signingKey: 'ES256' });
		auth = new SupabaseAuth({ url: gotrue.url, anonKey: gotrue.anonKey, db: t.engine.db });
	});
	afterAll(async () => {
		await gotrue.close();
		await t.dispose();
	});

	it('getClaims verifies access tokens locally against the JWKS, fetched once, and refuses forged ones', async () => {
		await auth.signUp({ email: 'kim@example.com', password: PASSWORD });
		const mail = (await listOutbox(t.engine.db, 50)).find((m) => m.toAddress === 'kim@example.com');
		await auth.confirmEmail(new URL(String(mail?.payload.link)).searchParams.get('token')!);
		const session = await auth.signIn('kim@example.com', PASSWORD);
		const [header, payload, signature] = session.accessToken.split('.');
		expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toMatchObject({
			alg: 'ES256',
			kid: expect.any(String)
		});

		gotrue.requests.length = 0;
		const claims = await auth.verifyAccessToken(session.accessToken);
		expect(claims).toMatchObject({ email: 'kim@example.com', session_id: session.sessionId });
		expect(gotrue.requests).toEqual(['GET /auth/v1/.well-known/jwks.json']);
		gotrue.requests.length = 0;
		await auth.verifyAccessToken(session.accessToken);
		expect(gotrue.requests).toEqual([]);

		const original = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
		const raised = Buffer.from(JSON.stringify({ ...original, aal: 'aal2' })).toString('base64url');
		expect(await codeOf(auth.verifyAccessToken(`${header}.${raised}.${signature}`))).toBe(
			'token_invalid'
		);
		// Refused by the signature check on this server: GoTrue was not asked.
		expect(gotrue.requests).toEqual([]);
		const hs256 = signAccessToken(claims, 'another-secret-of-more-than-32-characters!!');
		expect(await codeOf(auth.verifyAccessToken(hs256))).toBe('token_invalid');
	});
});

/** A Set-Cookie line: its name, value and attributes (lower-cased names). */
interface SetCookie {
	name: string;
	value: string;
	attributes: Record<string, string>;
}

function parseSetCookie(line: string): SetCookie {
	const [pair = '', ...rest] = line.split(';');
	const eq = pair.indexOf('=');
	const attributes: Record<string, string> = {};
	for (const part of rest) {
		const [key = '', ...value] = part.trim().split('=');
		attributes[key.toLowerCase()] = value.join('=');
	}
	return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** A browser's cookies for the app's origin, kept from the answers' Set-Cookie lines. */
class Jar {
	readonly cookies = new Map<string, string>();

	header(): string {
		return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	take(lines: string[]): SetCookie[] {
		const set = lines.map(parseSetCookie);
		for (const c of set) {
			if (c.value === '' || c.attributes['max-age'] === '0') this.cookies.delete(c.name);
			else this.cookies.set(c.name, c.value);
		}
		return set;
	}

	/** @supabase/ssr's cookie methods over this jar (values decoded, as a framework hands them). */
	methods() {
		return {
			getAll: () =>
				[...this.cookies].map(([name, value]) => ({ name, value: decodeURIComponent(value) })),
			setAll: (list: { name: string; value: string; options: { maxAge?: number } }[]) => {
				for (const { name, value, options } of list) {
					if (!value || options.maxAge === 0) this.cookies.delete(name);
					else this.cookies.set(name, encodeURIComponent(value));
				}
			}
		};
	}
}

interface Answer {
	status: number;
	location: string | null;
	headers: Record<string, string | string[] | undefined>;
	body: string;
	setCookies: SetCookie[];
}

/** Node 20 has no WebSocket; these clients never open Realtime, but supabase-js wants a class. */
const NO_WEBSOCKET = function () {
	throw new Error('no Realtime in this test');
} as unknown as WebSocketLikeConstructor;

describe.each(['HS256', 'ES256'] as const)(
	'the app with AUTH_PROVIDER=supabase keeps @supabase/ssr sessions (%s tokens)',
	(signing) => {
		const COOKIE = 'sb-127-auth-token';
		/** What verifying a token asks GoTrue: `/user` for HS256, nothing for ES256 (JWKS, cached). */
		const verification = signing === 'HS256' ? ['GET /auth/v1/user'] : [];
		let fakeDb: ServerEngine;
		let gotrue: GotrueFake;
		let app: App;
		let provider: SupabaseAuth;
		let userId = '';

		/** One HTTP request to the app as a browser on `host` (a tenant's host) sends it, with the jar's cookies. */
		function send(
			jar: Jar,
			path: string,
			init: { method?: string; form?: Record<string, string>; host?: string } = {}
		): Promise<Answer> {
			const url = new URL(path, app.url);
			const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
			// The browser's Host and Origin, so SvelteKit's CSRF check sees a same-origin form.
			const host = init.host ? `${init.host}:${url.port}` : url.host;
			const headers: Record<string, string> = {
				host,
				origin: `${url.protocol}//${host}`,
				accept: 'text/html'
			};
			if (jar.cookies.size > 0) headers.cookie = jar.header();
			if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
			return new Promise((resolve, reject) => {
				const req = httpRequest(
					{ host: '127.0.0.1', port: url.port, path: url.pathname, method: init.method, headers },
					(res) => {
						let text = '';
						res.on('data', (d) => (text += d));
						res.on('end', () =>
							resolve({
								status: res.statusCode ?? 0,
								location: res.headers.location ?? null,
								headers: res.headers,
								body: text,
								setCookies: jar.take(res.headers['set-cookie'] ?? [])
							})
						);
					}
				);
				req.on('error', reject);
				req.end(body);
			});
		}

		/** The app's answer to a page that needs someone signed in, when nobody is. */
		const signedOut = (answer: Answer) =>
			answer.status === 303 && (answer.location ?? '').startsWith('/auth/sign-in');

		const signInForm = (jar: Jar, email: string, password = PASSWORD) =>
			send(jar, '/auth/sign-in', { method: 'POST', form: { email, password } });

		/** @supabase/ssr's own clients on a jar, as a server using @supabase/ssr or a browser tab has them. */
		function ssrServer(jar: Jar): SupabaseClient {
			return createServerClient(gotrue.url, gotrue.anonKey, {
				cookies: jar.methods(),
				realtime: { transport: NO_WEBSOCKET }
			});
		}
		function ssrBrowser(jar: Jar): SupabaseClient {
			return createBrowserClient(gotrue.url, gotrue.anonKey, {
				cookies: jar.methods(),
				isSingleton: false,
				realtime: { transport: NO_WEBSOCKET }
			});
		}

		/** The session in the jar's cookie, decoded with @supabase/ssr's own base64url. */
		function sessionIn(jar: Jar): Session {
			const raw = decodeURIComponent(jar.cookies.get(COOKIE) ?? '');
			expect(raw.startsWith('base64-')).toBe(true);
			return JSON.parse(stringFromBase64URL(raw.slice('base64-'.length))) as Session;
		}

		/** Writes a session into the jar as @supabase/ssr does (its encoding and chunking). */
		function writeSession(jar: Jar, session: unknown) {
			for (const name of [...jar.cookies.keys()])
				if (name.startsWith(COOKIE)) jar.cookies.delete(name);
			const encoded = `base64-${stringToBase64URL(JSON.stringify(session))}`;
			for (const chunk of createChunks(COOKIE, encoded)) {
				jar.cookies.set(chunk.name, encodeURIComponent(chunk.value));
			}
		}

		const refreshes = () => gotrue.requests.filter((r) => r.includes('grant_type=refresh_token'));
		const sessionRows = async (id: string) =>
			(await sql`select 1 from auth.sessions where id = ${id}`.execute(fakeDb.db)).rows.length;

		beforeAll(async () => {
			// GoTrue's state is the project's database, which is the app's: the stand-in reaches the
			// app's embedded database over the wire, as GoTrue and the app share a Supabase project's.
			const dbPort = await freePort();
			fakeDb = openServer(`postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`, 2);
			gotrue = await startGotrueFake(fakeDb.db, SECRET, { signingKey: signing });
			app = await startApp({
				AUTH_PROVIDER: 'supabase',
				SUPABASE_URL: gotrue.url,
				SUPABASE_ANON_KEY: gotrue.anonKey,
				DB_SERVE_PORT: String(dbPort)
			});
			provider = new SupabaseAuth({ url: gotrue.url, anonKey: gotrue.anonKey, db: fakeDb.db });
			await provider.signUp({ email: 'ida@example.com', password: PASSWORD });
			const mail = (await listOutbox(fakeDb.db, 50)).find((m) => m.toAddress === 'ida@example.com');
			const token = mail ? new URL(String(mail.payload.link)).searchParams.get('token') : null;
			if (!token) throw new Error('no confirmation email to ida@example.com');
			userId = (await provider.confirmEmail(token)).userId;
		}, 180_000);
		afterAll(async () => {
			await fakeDb?.close();
			await gotrue?.close();
			await app?.stop();
		});

		it("signing in through the app's form sets @supabase/ssr's sb-<ref>-auth-token cookie, which ssr's own clients read as the same session", async () => {
			const jar = new Jar();
			const answer = await signInForm(jar, 'ida@example.com');
			expect(answer.status).toBe(303);
			expect(authCookies(answer.setCookies).map((c) => c.name)).toEqual([COOKIE]);
			const [cookie] = answer.setCookies;
			// @supabase/ssr's defaults: the whole site, Lax, readable by the browser client, 400 days.
			expect(cookie!.attributes).toMatchObject({
				path: '/',
				samesite: 'Lax',
				'max-age': '34560000'
			});
			expect(cookie!.attributes).not.toHaveProperty('httponly');
			expect(jar.cookies.has('tenantry_access')).toBe(false);

			const stored = sessionIn(jar);
			expect(stored.user.id).toBe(userId);
			expect(stored.refresh_token).toMatch(/\S{16,}/);

			// A server on @supabase/ssr verifies the same caller with getClaims() …
			const server = ssrServer(jar);
			const { data: verified, error } = await server.auth.getClaims();
			expect(error).toBeNull();
			expect(verified?.claims).toMatchObject({ sub: userId, email: 'ida@example.com' });
			const sessionId = String(verified?.claims.session_id);
			expect(await sessionRows(sessionId)).toBe(1);
			// … and a browser tab's supabase-js client (Realtime, Storage) has the same session.
			const browser = ssrBrowser(jar);
			const { data: own } = await browser.auth.getSession();
			expect(own.session?.access_token).toBe(stored.access_token);
			const { data: user } = await browser.auth.getUser();
			expect(user.user?.email).toBe('ida@example.com');

			// The app's pages see the person; nothing was refreshed or rewritten.
			gotrue.requests.length = 0;
			const page = await send(jar, '/account/security');
			expect(page.status).toBe(200);
			expect(page.body).toContain('this session');
			expect(authCookies(page.setCookies)).toEqual([]);
			expect(refreshes()).toEqual([]);
		});

		it('a session a supabase-js browser client signed in with is the signed-in session of the app', async () => {
			const jar = new Jar();
			expect(signedOut(await send(jar, '/app'))).toBe(true);
			const { data, error } = await ssrBrowser(jar).auth.signInWithPassword({
				email: 'ida@example.com',
				password: PASSWORD
			});
			expect(error).toBeNull();
			expect([...jar.cookies.keys()]).toEqual([COOKIE]);
			expect((await send(jar, '/app')).status).toBe(200);
			const page = await send(jar, '/account/security');
			expect(page.status).toBe(200);
			// The app's session list marks the browser client's session as this one.
			const sessions = await provider.listSessions(
				await provider.verifyAccessToken(data.session!.access_token)
			);
			expect(sessions.find((s) => s.current)?.id).toBe(
				(await ssrServer(jar).auth.getClaims()).data?.claims.session_id
			);
		});

		it('large sessions are chunked as @supabase/ssr chunks them (sb-<ref>-auth-token.0, .1) and still read', async () => {
			const email = 'jo@example.com';
			await provider.signUp({ email, password: PASSWORD, userMetadata: { bio: 'x'.repeat(3000) } });
			const mail = (await listOutbox(fakeDb.db, 50)).find((m) => m.toAddress === email);
			await provider.confirmEmail(new URL(String(mail?.payload.link)).searchParams.get('token')!);
			const jar = new Jar();
			expect((await signInForm(jar, email)).status).toBe(303);
			const names = [...jar.cookies.keys()].sort();
			expect(names.length).toBeGreaterThan(1);
			expect(names).toEqual(names.map((_, i) => `${COOKIE}.${i}`));
			expect((await ssrServer(jar).auth.getClaims()).data?.claims.email).toBe(email);
			expect((await send(jar, '/app')).status).toBe(200);
		});

		it('an expired access token is refreshed once by @supabase/ssr, the rotated session written back, and the host lookup on the same request does not refresh', async () => {
			const jar = new Jar();
			const { data } = await ssrBrowser(jar).auth.signInWithPassword({
				email: 'ida@example.com',
				password: PASSWORD
			});
			const session = data.session!;
			// The browser comes back after the access token's hour: the same session, expired.
			const claims = await provider.verifyAccessToken(session.access_token);
			const now = Math.floor(Date.now() / 1000);
			const expired = signAccessToken({ ...claims, iat: now - 3700, exp: now - 100 }, SECRET);
			writeSession(jar, {
				...session,
				access_token: expired,
				expires_at: now - 100,
				expires_in: 0
			});

			gotrue.requests.length = 0;
			// On a tenant host the reroute hook first fetches /api/hosts with the same cookies.
			const answer = await send(jar, '/', { host: 'acme.localhost' });
			// One refresh and one verification: the host lookup touched no session.
			expect(gotrue.requests.filter((r) => !r.endsWith('/jwks.json'))).toEqual([
				'POST /auth/v1/token?grant_type=refresh_token',
				...verification
			]);
			expect(authCookies(answer.setCookies).map((c) => c.name)).toEqual([COOKIE]);
			const rotated = sessionIn(jar);
			expect(rotated.refresh_token).not.toBe(session.refresh_token);
			expect(rotated.access_token).not.toBe(expired);
			expect(rotated.expires_at).toBeGreaterThan(now + 3000);

			// The rotated session is the one that works, without refreshing again.
			gotrue.requests.length = 0;
			expect((await send(jar, '/app')).status).toBe(200);
			expect(refreshes()).toEqual([]);
			expect((await ssrServer(jar).auth.getClaims()).data?.claims.session_id).toBe(
				claims.session_id
			);
		});

		it('a step-up at /auth/mfa on a session the same request refreshed writes the aal2 session into the cookie', async () => {
			const email = `lee-${signing.toLowerCase()}@example.com`;
			await provider.signUp({ email, password: PASSWORD });
			const mail = (await listOutbox(fakeDb.db, 50)).find((m) => m.toAddress === email);
			await provider.confirmEmail(new URL(String(mail?.payload.link)).searchParams.get('token')!);
			const enrolling = await provider.verifyAccessToken(
				(await provider.signIn(email, PASSWORD)).accessToken
			);
			const { factorId, secret } = await provider.enrolTotp(enrolling);
			await provider.verifyTotpEnrolment(enrolling, factorId, totpCode(secret));

			const jar = new Jar();
			const signedIn = await signInForm(jar, email);
			expect(signedIn.location).toMatch(/^\/auth\/mfa/);
			const session = sessionIn(jar);
			const claims = await provider.verifyAccessToken(session.access_token);
			expect(claims.aal).toBe('aal1');
			const now = Math.floor(Date.now() / 1000);
			const expired = signAccessToken({ ...claims, iat: now - 3700, exp: now - 100 }, SECRET);
			writeSession(jar, { ...session, access_token: expired, expires_at: now - 100 });

			gotrue.requests.length = 0;
			const answer = await send(jar, '/auth/mfa', {
				method: 'POST',
				form: { code: totpCode(secret, Date.now() + 30_000) }
			});
			expect(answer.status).toBe(303);
			expect(refreshes()).toHaveLength(1);
			expect(answer.headers['cache-control']).toBe(
				'private, no-cache, no-store, must-revalidate, max-age=0'
			);
			const raised = sessionIn(jar);
			const verified = (await ssrServer(jar).auth.getClaims()).data?.claims;
			expect(verified).toMatchObject({ aal: 'aal2', session_id: claims.session_id });
			expect(raised.refresh_token).not.toBe(session.refresh_token);
			expect((await send(jar, '/account/security')).status).toBe(200);
		});

		it('a session revoked from another device is signed out here and its cookie cleared', async () => {
			const jar = new Jar();
			await signInForm(jar, 'ida@example.com');
			const sessionId = String((await ssrServer(jar).auth.getClaims()).data?.claims.session_id);
			const elsewhere = await provider.verifyAccessToken(
				(await provider.signIn('ida@example.com', PASSWORD)).accessToken
			);
			expect(await provider.revokeSession(elsewhere, sessionId)).toBe(true);

			const answer = await send(jar, '/account/security');
			expect(signedOut(answer)).toBe(true);
			expect(answer.setCookies.find((c) => c.name === COOKIE)?.attributes['max-age']).toBe('0');
			expect(jar.cookies.size).toBe(0);
		});

		it('signing out clears the cookie and ends the session at Supabase Auth', async () => {
			const jar = new Jar();
			await signInForm(jar, 'ida@example.com');
			const { refresh_token } = sessionIn(jar);
			const sessionId = String((await ssrServer(jar).auth.getClaims()).data?.claims.session_id);

			const answer = await send(jar, '/auth/sign-out', { method: 'POST', form: {} });
			expect(answer.status).toBe(303);
			const cleared = answer.setCookies.find((c) => c.name === COOKIE);
			expect(cleared?.attributes['max-age']).toBe('0');
			expect(jar.cookies.size).toBe(0);
			expect(await sessionRows(sessionId)).toBe(0);
			expect(await codeOf(provider.refresh(refresh_token))).toBe('token_invalid');
			expect(signedOut(await send(jar, '/app'))).toBe(true);
		});

		it('tampered sb-auth-token cookie: an access token with a forged payload, a foreign signature or garbage is refused and cleared', async () => {
			const jar = new Jar();
			await signInForm(jar, 'ida@example.com');
			const genuine = sessionIn(jar);
			const [header, payload, signature] = genuine.access_token.split('.');
			const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
			const otherUser = crypto.randomUUID();
			const swapped = Buffer.from(JSON.stringify({ ...claims, sub: otherUser })).toString(
				'base64url'
			);
			const forgedPayload = `${header}.${swapped}.${signature}`;
			const foreignKey = signAccessToken(claims, 'another-secret-of-more-than-32-characters!!');

			for (const access of [forgedPayload, foreignKey]) {
				writeSession(jar, { ...genuine, access_token: access });
				const answer = await send(jar, '/app');
				expect(signedOut(answer)).toBe(true);
				expect(answer.setCookies.find((c) => c.name === COOKIE)?.attributes['max-age']).toBe('0');
				expect(jar.cookies.size).toBe(0);
			}
			jar.cookies.set(COOKIE, 'base64-not%20json');
			expect(signedOut(await send(jar, '/app'))).toBe(true);
			// The genuine session was never given away: it still works from its own cookie.
			const own = new Jar();
			writeSession(own, genuine);
			expect((await send(own, '/app')).status).toBe(200);
		});
	}
);

/** The session's own cookies: the preferences mirror (tn_prefs, preferences/service.ts) is not the session. */
function authCookies(cookies: SetCookie[]): SetCookie[] {
	return cookies.filter((c) => c.name !== 'tn_prefs');
}
