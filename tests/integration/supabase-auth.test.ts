/**
 * The Supabase provider (supabase-js) against a GoTrue stand-in on node:http whose
 * state is the auth schema of an embedded database (tests/support/gotrue-fake.ts): every call
 * below crosses HTTP the way it would to a Supabase project.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/db/database';
import { migrate } from '../../src/lib/server/db/migrate';
import { createAuthProvider } from '../../src/lib/server/auth';
import { AuthError, type AuthErrorCode } from '../../src/lib/server/auth/errors';
import { signAccessToken } from '../../src/lib/server/auth/jwt';
import { listOutbox } from '../../src/lib/server/auth/outbox';
import type { AuthSession } from '../../src/lib/server/auth/provider';
import { SupabaseAuth } from '../../src/lib/server/auth/supabase';
import { totpCode } from '../../src/lib/server/auth/totp';
import { ConfigError, loadConfig } from '../../src/lib/server/config';
import { startGotrueFake, type GotrueFake } from '../support/gotrue-fake';
import { embeddedFactory, type TestEngine } from './engines';

const SECRET = 'supabase-fake-jwt-secret-of-more-than-32-characters';
const PASSWORD = 'Correct horse 42';

async function codeOf(promise: Promise<unknown>): Promise<AuthErrorCode | 'ok'> {
	try {
		await promise;
		return 'ok';
	} catch (error) {
		if (error instanceof AuthError) return error.code;
		throw error;
	}
}

describe('Supabase provider against a GoTrue stand-in', () => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let gotrue: GotrueFake;
	let auth: SupabaseAuth;

	async function confirmationToken(email: string): Promise<string> {
		const mail = (await listOutbox(db, 500)).find(
			(m) => m.toAddress === email && m.template === 'confirm_signup'
		);
		const token = mail ? new URL(String(mail.payload.link)).searchParams.get('token') : null;
		if (!token) throw new Error(`no confirmation email to ${email}`);
		return token;
	}

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
		t = await embeddedFactory();
		db = t.engine.db;
		await migrate(t.engine, { dir: 'supabase/migrations', compat: 'auto' });
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
