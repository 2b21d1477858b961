import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/lib/server/platform/database';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { createAuthProvider } from '../../src/lib/server/auth';
import { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { loadConfig } from '../../src/lib/server/platform/config';
import { AuthError } from '../../src/lib/server/auth/errors';
import { listOutbox } from '../../src/lib/server/auth/outbox';
import type { AccessClaims, AuthSession } from '../../src/lib/server/auth/provider';
import { hashToken } from '../../src/lib/server/auth/secret';
import { totpCode } from '../../src/lib/server/auth/totp';
import { codeOf, TEST_AUTH_SECRET } from '../support/auth';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const SECRET = TEST_AUTH_SECRET;
const APP_URL = 'http://localhost:3000';
const PASSWORD = 'Correct horse 42';

/** Every plaintext secret the tests see, to prove at the end that none of them rests in auth.*. */
const plaintexts = new Set<string>();
const keep = <T extends string>(value: T): T => (plaintexts.add(value), value);

describe.each(engineFactories)('embedded auth on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let auth: EmbeddedAuth;

	/** The newest email to `to` (optionally of one template) and the token in its link. */
	async function lastEmail(to: string, template?: string) {
		const mail = (await listOutbox(db, 500)).find(
			(m) => m.toAddress === to && (!template || m.template === template)
		);
		const link = mail?.payload.link as string | undefined;
		const token = link ? new URL(link).searchParams.get('token') : null;
		if (token) keep(token);
		return { mail, link, token };
	}

	/** The security notices "password changed" queued for `to` (private.notification_mail). */
	async function passwordNotices(to: string): Promise<number> {
		const { rows } = await sql<{ n: number }>`select count(*)::int as n
			from private.notification_mail m join auth.users u on u.id = m.user_id
			where u.email = ${to} and m.kind = 'security.password_changed'`.execute(db);
		return rows[0]!.n;
	}

	async function confirmedUser(email: string, password = PASSWORD) {
		keep(password);
		await auth.signUp({ email, password, userMetadata: { full_name: email.split('@')[0] } });
		const { token } = await lastEmail(email, 'confirm_signup');
		await auth.confirmEmail(token!);
	}

	async function signIn(email: string, device = {}, password = PASSWORD): Promise<AuthSession> {
		const session = await auth.signIn(email, password, device);
		keep(session.refreshToken);
		return session;
	}

	const claimsOf = (session: AuthSession) => auth.verifyAccessToken(session.accessToken);
	const owner = <R>(query: ReturnType<typeof sql<R>>) => query.execute(db).then((r) => r.rows);

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
		auth = new EmbeddedAuth({ db, secret: SECRET, appUrl: APP_URL });
	});
	afterAll(() => t.dispose());

	describe('sign-up and confirmation', () => {
		it('stores a bcrypt hash and a hashed token, and emails the confirmation link in the same transaction', async () => {
			const result = await auth.signUp({
				email: '  Ada@Example.com ',
				password: keep(PASSWORD),
				userMetadata: { full_name: 'Ada' }
			});
			expect(result).toEqual({ email: 'ada@example.com' });
			const { mail, link, token } = await lastEmail('ada@example.com', 'confirm_signup');
			expect(link).toMatch(/^http:\/\/localhost:3000\/auth\/confirm\?token=[\w-]{43}$/);
			expect(mail!.bodyText).toContain(link);
			const [user] = await owner(
				sql<{
					encrypted_password: string;
					confirmation_token: string;
					confirmation_sent_at: Date;
					email_confirmed_at: Date | null;
					raw_app_meta_data: unknown;
				}>`select encrypted_password, confirmation_token, confirmation_sent_at, email_confirmed_at,
				          raw_app_meta_data from auth.users where email = 'ada@example.com'`
			);
			expect(user!.encrypted_password).toMatch(/^\$2a\$10\$.{53}$/);
			expect(user!.confirmation_token).toBe(hashToken(token!));
			expect(user!.email_confirmed_at).toBeNull();
			expect(user!.raw_app_meta_data).toEqual({ provider: 'email', providers: ['email'] });
			const [profile] = await owner(
				sql<{
					email: string;
				}>`select p.email from public.profiles p join auth.users u on u.id = p.id
				                        where u.email = 'ada@example.com'`
			);
			expect(profile!.email).toBe('ada@example.com');
		});

		it('refuses to sign in before the email is confirmed, then confirms once', async () => {
			expect(await codeOf(auth.signIn('ada@example.com', PASSWORD))).toBe('email_not_confirmed');
			const { token } = await lastEmail('ada@example.com', 'confirm_signup');
			const confirmed = await auth.confirmEmail(token!);
			expect(confirmed.email).toBe('ada@example.com');
			expect(await codeOf(auth.confirmEmail(token!))).toBe('token_invalid');
			expect(await codeOf(auth.confirmEmail('not-a-token'))).toBe('token_invalid');
			const session = await signIn('ADA@example.com');
			expect(session.user.email).toBe('ada@example.com');
			expect(session.aal).toBe('aal1');
		});

		it('expires confirmation tokens after 24 hours', async () => {
			await auth.signUp({ email: 'late@example.com', password: PASSWORD });
			const { token } = await lastEmail('late@example.com', 'confirm_signup');
			await owner(
				sql`update auth.users set confirmation_sent_at = now() - interval '24 hours 1 minute'
				     where email = 'late@example.com'`
			);
			expect(await codeOf(auth.confirmEmail(token!))).toBe('token_expired');
		});

		it('answers a sign-up of a taken address exactly like a new one, and emails the owner instead', async () => {
			const before = (await listOutbox(db, 500)).length;
			const result = await auth.signUp({ email: 'ada@example.com', password: 'Another pass 77' });
			expect(result).toEqual({ email: 'ada@example.com' });
			const outbox = await listOutbox(db, 500);
			expect(outbox.length).toBe(before + 1);
			expect(outbox[0]!.template).toBe('already_registered');
			expect(outbox[0]!.toAddress).toBe('ada@example.com');
			// The password did not change.
			expect(await codeOf(auth.signIn('ada@example.com', 'Another pass 77'))).toBe(
				'invalid_credentials'
			);
			expect(await codeOf(signIn('ada@example.com'))).toBe('ok');
		});

		it('refuses weak passwords with the reasons', async () => {
			const error = await auth
				.signUp({ email: 'weak@example.com', password: 'password' })
				.catch((e: AuthError) => e);
			expect(error).toBeInstanceOf(AuthError);
			expect((error as AuthError).code).toBe('weak_password');
			expect((error as AuthError).issues.length).toBeGreaterThan(0);
			expect(
				await codeOf(
					auth.signUp({ email: 'samename1@example.com', password: 'samename1@example.com' })
				)
			).toBe('weak_password');
			const [count] = await owner(
				sql<{
					n: number;
				}>`select count(*)::int as n from auth.users where email like 'weak@%' or email like 'samename1@%'`
			);
			expect(count!.n).toBe(0);
		});
	});

	describe('access tokens', () => {
		it("carry exactly Supabase Auth's claims", async () => {
			const session = await signIn('ada@example.com', { name: 'laptop' });
			const claims = await claimsOf(session);
			expect(Object.keys(claims).sort()).toEqual(
				[
					'iss',
					'sub',
					'aud',
					'exp',
					'iat',
					'role',
					'email',
					'phone',
					'app_metadata',
					'user_metadata',
					'session_id',
					'aal',
					'amr',
					'is_anonymous'
				].sort()
			);
			expect(claims).toMatchObject({
				iss: `${APP_URL}/auth/v1`,
				sub: session.user.id,
				aud: 'authenticated',
				role: 'authenticated',
				email: 'ada@example.com',
				phone: '',
				app_metadata: { provider: 'email', providers: ['email'] },
				user_metadata: { full_name: 'Ada' },
				session_id: session.sessionId,
				aal: 'aal1',
				is_anonymous: false
			});
			expect(claims.exp - claims.iat).toBe(3600);
			expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
			expect(await codeOf(auth.verifyAccessToken(session.accessToken + 'x'))).toBe('token_invalid');
			const other = new EmbeddedAuth({ db, secret: 'x'.repeat(40), appUrl: APP_URL });
			expect(await codeOf(other.verifyAccessToken(session.accessToken))).toBe('token_invalid');
		});

		it('work with runWithClaims: auth.uid() is the user and a tenant created by RPC is readable under RLS', async () => {
			const session = await signIn('ada@example.com');
			const claims = await claimsOf(session);
			const result = await runWithClaims(db, claims, async (trx) => {
				const me = await sql<{ uid: string; aal: string; role: string }>`
					select auth.uid() as uid, auth.jwt() ->> 'aal' as aal, current_user as role`.execute(trx);
				const tenantId = (
					await sql<{ id: string }>`select public.create_tenant('ada-co', 'Ada Co') as id`.execute(
						trx
					)
				).rows[0]!.id;
				const tenants = await sql<{
					id: string;
					slug: string;
				}>`select id, slug from public.tenants`.execute(trx);
				return { me: me.rows[0]!, tenantId, tenants: tenants.rows };
			});
			expect(result.me).toEqual({ uid: session.user.id, aal: 'aal1', role: 'authenticated' });
			expect(result.tenants).toEqual([{ id: result.tenantId, slug: 'ada-co' }]);
		});

		it('let a seeded demo user sign in and read only their own tenant', async () => {
			const session = await signIn('owner@acme.test', {}, 'password123!');
			const slugs = await runWithClaims(db, await claimsOf(session), (trx) =>
				sql<{ slug: string }>`select slug from public.tenants order by slug`.execute(trx)
			);
			expect(slugs.rows).toEqual([{ slug: 'acme' }]);
		});

		it('come from the provider the configuration picks, with its issuer', async () => {
			const provider = createAuthProvider(
				db,
				loadConfig({ DATA_DIR: 'memory://', PUBLIC_APP_URL: 'https://app.example.com' })
			);
			const session = await provider.signIn('owner@acme.test', 'password123!');
			keep(session.refreshToken);
			expect((await provider.verifyAccessToken(session.accessToken)).iss).toBe(
				'https://app.example.com/auth/v1'
			);
			expect(await codeOf(auth.verifyAccessToken(session.accessToken))).toBe('token_invalid');
		});

		it('record the last sign-in on the user and its profile', async () => {
			const [row] = await owner(
				sql<{ last_sign_in_at: Date | null; last_login_at: Date | null }>`
					select u.last_sign_in_at, p.last_login_at from auth.users u join public.profiles p on p.id = u.id
					 where u.email = 'owner@acme.test'`
			);
			expect(row!.last_sign_in_at).not.toBeNull();
			expect(row!.last_login_at?.getTime()).toBe(row!.last_sign_in_at?.getTime());
		});
	});

	describe('lockout', () => {
		it('locks an account for one client address for 15 minutes after 5 failures from it, even against the right password', async () => {
			await confirmedUser('lock@example.com');
			const from = { ip: '198.51.100.7' };
			for (let i = 1; i <= 5; i++) {
				expect(await codeOf(auth.signIn('lock@example.com', `Wrong pass ${i}`, from))).toBe(
					'invalid_credentials'
				);
				if (i === 3) {
					const [row] = await owner(
						sql<{ failures: number }>`select failures from auth.sign_in_attempts
						   where scope = 'account_address' and email = 'lock@example.com' and ip = '198.51.100.7'`
					);
					expect(row!.failures).toBe(3);
				}
			}
			const locked = await auth
				.signIn('lock@example.com', PASSWORD, from)
				.catch((e: AuthError) => e);
			expect((locked as AuthError).code).toBe('user_locked');
			expect((locked as AuthError).retryAfterMs).toBeGreaterThan(14 * 60_000);
			const [row] = await owner(
				sql<{
					minutes: number;
				}>`select round(extract(epoch from blocked_until - now()) / 60)::int as minutes
				     from auth.sign_in_attempts
				    where scope = 'account_address' and email = 'lock@example.com' and ip = '198.51.100.7'`
			);
			expect(row!.minutes).toBe(15);

			await owner(
				sql`update auth.sign_in_attempts set blocked_until = now() - interval '1 second'
				     where scope = 'account_address' and email = 'lock@example.com'`
			);
			expect(await codeOf(signIn('lock@example.com', from))).toBe('ok');
			const [after] = await owner(
				sql<{
					n: number;
				}>`select count(*)::int as n from auth.sign_in_attempts
				    where scope = 'account_address' and email = 'lock@example.com'`
			);
			expect(after!.n).toBe(0);
		});

		it('locks an unknown address the same way, so lockout does not reveal which addresses exist', async () => {
			const from = { ip: '198.51.100.8' };
			for (let i = 0; i < 5; i++) {
				expect(await codeOf(auth.signIn('nobody@example.com', PASSWORD, from))).toBe(
					'invalid_credentials'
				);
			}
			expect(await codeOf(auth.signIn('nobody@example.com', PASSWORD, from))).toBe('user_locked');
		});
	});

	describe('refresh tokens and sessions', () => {
		it('rotate on every use; reusing a rotated token ends the whole session', async () => {
			await confirmedUser('rot@example.com');
			const first = await signIn('rot@example.com');
			const second = await auth.refresh(first.refreshToken);
			keep(second.refreshToken);
			expect(second.sessionId).toBe(first.sessionId);
			expect(second.refreshToken).not.toBe(first.refreshToken);
			const third = await auth.refresh(second.refreshToken);
			keep(third.refreshToken);

			const chain = await owner(
				sql<{ token: string; parent: string | null; revoked: boolean }>`
					select token, parent, revoked from auth.refresh_tokens
					 where session_id = ${first.sessionId} order by id`
			);
			expect(chain).toEqual([
				{ token: hashToken(first.refreshToken), parent: null, revoked: true },
				{
					token: hashToken(second.refreshToken),
					parent: hashToken(first.refreshToken),
					revoked: true
				},
				{
					token: hashToken(third.refreshToken),
					parent: hashToken(second.refreshToken),
					revoked: false
				}
			]);

			expect(await codeOf(auth.refresh(first.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.refresh(third.refreshToken))).toBe('token_invalid');
			const [left] = await owner(
				sql<{
					n: number;
				}>`select count(*)::int as n from auth.sessions where id = ${first.sessionId}`
			);
			expect(left!.n).toBe(0);
			expect(await codeOf(auth.refresh('made-up'))).toBe('token_invalid');
		});

		it('refuses to refresh a session past its not_after', async () => {
			const session = await signIn('rot@example.com');
			await owner(
				sql`update auth.sessions set not_after = now() - interval '1 second' where id = ${session.sessionId}`
			);
			expect(await codeOf(auth.refresh(session.refreshToken))).toBe('token_expired');
		});

		it('lists sessions with device and last use, revokes one, then all the others', async () => {
			await confirmedUser('multi@example.com');
			const laptop = await signIn('multi@example.com', {
				name: 'Laptop',
				userAgent: 'Firefox',
				ip: '203.0.113.7'
			});
			const phone = await signIn('multi@example.com', { name: 'Phone', ip: 'not an ip' });
			const tablet = await signIn('multi@example.com', { name: 'Tablet' });
			const claims = await claimsOf(laptop);

			const sessions = await auth.listSessions(claims);
			expect(sessions.map((s) => s.deviceName).sort()).toEqual(['Laptop', 'Phone', 'Tablet']);
			const mine = sessions.find((s) => s.current)!;
			expect(mine).toMatchObject({
				id: laptop.sessionId,
				deviceName: 'Laptop',
				userAgent: 'Firefox',
				ip: '203.0.113.7',
				aal: 'aal1'
			});
			expect(sessions.find((s) => s.deviceName === 'Phone')!.ip).toBeNull();
			expect(mine.lastUsedAt).toBeInstanceOf(Date);

			expect(await auth.revokeSession(claims, phone.sessionId)).toBe(true);
			expect(await auth.revokeSession(claims, phone.sessionId)).toBe(false);
			expect(await codeOf(auth.refresh(phone.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.listSessions(await claimsOf(phone)))).toBe('token_invalid');

			// Nobody revokes someone else's session.
			const ada = await claimsOf(await signIn('ada@example.com'));
			expect(await auth.revokeSession(ada, tablet.sessionId)).toBe(false);

			expect(await auth.revokeOtherSessions(claims)).toBe(1);
			expect((await auth.listSessions(claims)).map((s) => s.id)).toEqual([laptop.sessionId]);
			expect(await codeOf(auth.refresh(tablet.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.refresh(laptop.refreshToken))).toBe('ok');
		});

		it('signs out one session', async () => {
			const session = await signIn('multi@example.com');
			await auth.signOut(await claimsOf(session));
			expect(await codeOf(auth.refresh(session.refreshToken))).toBe('token_invalid');
		});
	});

	describe('password reset', () => {
		it('says nothing about unknown addresses and emails nothing for them', async () => {
			const before = (await listOutbox(db, 500)).length;
			await expect(auth.requestPasswordReset('ghost@example.com')).resolves.toBeUndefined();
			await expect(auth.requestPasswordReset('not an email')).resolves.toBeUndefined();
			expect((await listOutbox(db, 500)).length).toBe(before);
		});

		it('uses a hashed single-use token, sets the password and ends every session', async () => {
			await confirmedUser('reset@example.com');
			const a = await signIn('reset@example.com');
			const b = await signIn('reset@example.com');
			await auth.requestPasswordReset(' Reset@Example.com');
			const { token, link } = await lastEmail('reset@example.com', 'reset_password');
			expect(link).toMatch(/^http:\/\/localhost:3000\/auth\/reset-password\?token=/);
			const [row] = await owner(
				sql<{
					recovery_token: string;
				}>`select recovery_token from auth.users where email = 'reset@example.com'`
			);
			expect(row!.recovery_token).toBe(hashToken(token!));

			expect(await codeOf(auth.resetPassword(token!, 'short'))).toBe('weak_password');
			expect(await codeOf(auth.resetPassword(token!, 'reset@example.com'))).toBe('weak_password');
			await auth.resetPassword(token!, keep('A brand new pass 9'));
			expect(await codeOf(auth.resetPassword(token!, 'A brand new pass 10'))).toBe('token_invalid');
			expect(await codeOf(auth.refresh(a.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.refresh(b.refreshToken))).toBe('token_invalid');
			expect(await codeOf(auth.signIn('reset@example.com', PASSWORD))).toBe('invalid_credentials');
			expect(await codeOf(signIn('reset@example.com', {}, 'A brand new pass 9'))).toBe('ok');
			// One "password changed" message: the security notice's mail (notifications), no other.
			expect(await passwordNotices('reset@example.com')).toBe(1);
		});

		it('expires reset tokens after an hour', async () => {
			await owner(
				sql`update auth.users set recovery_sent_at = null where email = 'reset@example.com'`
			);
			await auth.requestPasswordReset('reset@example.com');
			const { token } = await lastEmail('reset@example.com', 'reset_password');
			await owner(
				sql`update auth.users set recovery_sent_at = now() - interval '61 minutes' where email = 'reset@example.com'`
			);
			expect(await codeOf(auth.resetPassword(token!, 'Yet another pass 1'))).toBe('token_expired');
		});
	});

	describe('TOTP', () => {
		let secret: string;
		let factorId: string;
		/** The code that verified the enrolment: never usable again, whatever the clock says. */
		let enrolmentCode: string;
		let recoveryCodes: string[];
		let userId: string;

		it('enrols: an otpauth URI, and the secret stored only as pgp ciphertext', async () => {
			await confirmedUser('mfa@example.com');
			const session = await signIn('mfa@example.com');
			userId = session.user.id;
			const enrolment = await auth.enrolTotp(await claimsOf(session), 'Phone app');
			secret = keep(enrolment.secret);
			factorId = enrolment.factorId;
			expect(enrolment.uri).toContain(`secret=${secret}`);
			expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Tenantry:mfa%40example\.com\?/);
			const [factor] = await owner(
				sql<{
					secret: string;
					status: string;
				}>`select secret, status::text as status from auth.mfa_factors where id = ${factorId}`
			);
			expect(factor!.status).toBe('unverified');
			expect(factor!.secret).toMatch(/^-----BEGIN PGP MESSAGE-----/);
			expect(factor!.secret).not.toContain(secret);
		});

		it('verifies the enrolment: recovery codes once, and the session raised to aal2 with new tokens', async () => {
			const session = await signIn('mfa@example.com');
			const claims = await claimsOf(session);
			const wrong = String((Number(totpCode(secret)) + 1) % 1_000_000).padStart(6, '0');
			expect(await codeOf(auth.verifyTotpEnrolment(claims, factorId, wrong))).toBe(
				'mfa_invalid_code'
			);

			enrolmentCode = totpCode(secret);
			const result = await auth.verifyTotpEnrolment(claims, factorId, enrolmentCode);
			recoveryCodes = result.recoveryCodes.map(keep);
			expect(recoveryCodes).toHaveLength(10);
			expect(new Set(recoveryCodes).size).toBe(10);
			for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
			keep(result.session.refreshToken);

			const raised = await claimsOf(result.session);
			expect(raised.aal).toBe('aal2');
			expect(raised.session_id).toBe(session.sessionId);
			expect(raised.amr.map((a) => a.method).sort()).toEqual(['password', 'totp']);
			// The pre-step-up refresh token was rotated away.
			expect(await codeOf(auth.refresh(session.refreshToken))).toBe('token_invalid');

			const stored = await owner(
				sql<{
					code_hash: string;
				}>`select code_hash from auth.mfa_recovery_codes where user_id = ${userId} order by code_hash`
			);
			expect(stored.map((r) => r.code_hash)).toEqual(recoveryCodes.map(hashToken).sort());
		});

		it('signs in at aal1, then a challenge and a fresh code give an aal2 token SQL sees', async () => {
			const session = await signIn('mfa@example.com');
			const claims = await claimsOf(session);
			expect(claims.aal).toBe('aal1');
			expect(await auth.getAssuranceLevel(claims)).toEqual({ current: 'aal1', next: 'aal2' });
			expect((await auth.listFactors(claims)).map((f) => [f.friendlyName, f.status])).toEqual([
				['Phone app', 'verified']
			]);

			// The code used for the enrolment cannot be used again within its step.
			const reused = await auth.challengeTotp(claims, factorId);
			expect(
				await codeOf(
					auth.verifyTotp(claims, {
						factorId,
						challengeId: reused.challengeId,
						code: enrolmentCode
					})
				)
			).toBe('mfa_invalid_code');

			const next = totpCode(secret, Date.now() + 30_000);
			const challenge = await auth.challengeTotp(claims, factorId);
			expect(challenge.expiresAt.getTime()).toBeGreaterThan(Date.now());
			const raised = await auth.verifyTotp(claims, {
				factorId,
				challengeId: challenge.challengeId,
				code: next
			});
			keep(raised.refreshToken);
			const aal2 = await claimsOf(raised);
			expect(aal2.aal).toBe('aal2');
			const seen = await runWithClaims(db, aal2, (trx) =>
				sql<{
					aal: string;
					uid: string;
				}>`select auth.jwt() ->> 'aal' as aal, auth.uid() as uid`.execute(trx)
			);
			expect(seen.rows[0]).toEqual({ aal: 'aal2', uid: userId });

			// A verified challenge is used up, and so is the code.
			expect(
				await codeOf(
					auth.verifyTotp(claims, { factorId, challengeId: challenge.challengeId, code: next })
				)
			).toBe('token_invalid');
			const again = await auth.challengeTotp(claims, factorId);
			expect(
				await codeOf(
					auth.verifyTotp(claims, { factorId, challengeId: again.challengeId, code: next })
				)
			).toBe('mfa_invalid_code');

			// The session stays aal2 across a refresh.
			const refreshed = await auth.refresh(raised.refreshToken);
			keep(refreshed.refreshToken);
			expect((await claimsOf(refreshed)).aal).toBe('aal2');
		});

		it('expires challenges after five minutes', async () => {
			const claims = await claimsOf(await signIn('mfa@example.com'));
			const challenge = await auth.challengeTotp(claims, factorId);
			await owner(
				sql`update auth.mfa_challenges set created_at = now() - interval '6 minutes' where id = ${challenge.challengeId}`
			);
			expect(
				await codeOf(
					auth.verifyTotp(claims, {
						factorId,
						challengeId: challenge.challengeId,
						code: totpCode(secret, Date.now() + 30_000)
					})
				)
			).toBe('token_expired');
		});

		it('accepts each recovery code once', async () => {
			const claims = await claimsOf(await signIn('mfa@example.com'));
			const raised = await auth.verifyRecoveryCode(claims, recoveryCodes[0]!.toUpperCase());
			keep(raised.refreshToken);
			const aal2 = await claimsOf(raised);
			expect(aal2.aal).toBe('aal2');
			expect(aal2.amr.map((a) => a.method)).toContain('recovery');

			const other = await claimsOf(await signIn('mfa@example.com'));
			expect(await codeOf(auth.verifyRecoveryCode(other, recoveryCodes[0]!))).toBe(
				'mfa_invalid_code'
			);
			expect(await codeOf(auth.verifyRecoveryCode(other, 'aaaaa-bbbbb'))).toBe('mfa_invalid_code');
			const [used] = await owner(
				sql<{
					n: number;
				}>`select count(*)::int as n from auth.mfa_recovery_codes where user_id = ${userId} and used_at is not null`
			);
			expect(used!.n).toBe(1);
		});

		it('needs aal2 to enrol another factor or remove a verified one', async () => {
			const aal1 = await claimsOf(await signIn('mfa@example.com'));
			expect(await codeOf(auth.enrolTotp(aal1))).toBe('mfa_required');
			expect(await codeOf(auth.unenrolTotp(aal1, factorId))).toBe('mfa_required');

			const aal2 = await claimsOf(await auth.verifyRecoveryCode(aal1, recoveryCodes[1]!));
			await auth.unenrolTotp(aal2, factorId);
			expect(await auth.listFactors(aal2)).toEqual([]);
			expect(await auth.getAssuranceLevel(aal1)).toEqual({ current: 'aal1', next: 'aal1' });
			const [codes] = await owner(
				sql<{
					n: number;
				}>`select count(*)::int as n from auth.mfa_recovery_codes where user_id = ${userId}`
			);
			expect(codes!.n).toBe(0);
		});

		it('limits second-factor attempts per user', async () => {
			const strict = new EmbeddedAuth({ db, secret: SECRET, appUrl: APP_URL, mfaAttemptLimit: 3 });
			const claims = await claimsOf(await signIn('mfa@example.com'));
			const { factorId: id, secret: s } = await strict.enrolTotp(claims);
			keep(s);
			for (let i = 0; i < 3; i++) {
				expect(await codeOf(strict.verifyTotpEnrolment(claims, id, '000000'))).toBe(
					'mfa_invalid_code'
				);
			}
			expect(await codeOf(strict.verifyTotpEnrolment(claims, id, totpCode(s)))).toBe(
				'rate_limited'
			);
		});
	});

	describe('what rests in the database', () => {
		it('keeps the auth tables away from anon and authenticated, and the outbox too', async () => {
			const claims = await claimsOf(await signIn('ada@example.com'));
			for (const table of [
				'auth.sessions',
				'auth.refresh_tokens',
				'auth.mfa_factors',
				'auth.mfa_challenges',
				'auth.mfa_amr_claims',
				'auth.mfa_recovery_codes',
				'auth.sign_in_attempts',
				'private.email_outbox'
			]) {
				for (const who of [claims, null]) {
					await expect(
						runWithClaims(db, who as AccessClaims | null, (trx) =>
							sql`select count(*) from ${sql.raw(table)}`.execute(trx)
						)
					).rejects.toThrow(/permission denied/);
				}
			}
		});

		it('holds no password, token, TOTP secret or recovery code in plaintext anywhere in auth.*', async () => {
			const dump = (
				await owner(
					sql<{ row: string }>`
						select t::text as row from auth.users t union all
						select t::text from auth.sessions t union all
						select t::text from auth.refresh_tokens t union all
						select t::text from auth.mfa_factors t union all
						select t::text from auth.mfa_challenges t union all
						select t::text from auth.mfa_amr_claims t union all
						select t::text from auth.mfa_recovery_codes t union all
						select t::text from auth.sign_in_attempts t`
				)
			)
				.map((r) => r.row)
				.join('\n');
			expect(plaintexts.size).toBeGreaterThan(20);
			const found = [...plaintexts].filter((p) => dump.includes(p));
			expect(found).toEqual([]);
			const tokens = await owner(sql<{ token: string }>`select token from auth.refresh_tokens`);
			for (const { token } of tokens) expect(token).toMatch(/^[0-9a-f]{64}$/);
		});
	});
});
