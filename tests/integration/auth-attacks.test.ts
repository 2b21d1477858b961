/**
 * Attacks 3.3 and 3.6 of issue 9 on the embedded provider (both engines): pre-hijacking an
 * account by signing up first for someone else's address, and locking anyone out with five wrong
 * passwords. Confirmation links are read from the outbox (private.email_outbox), as they leave.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { AuthError } from '../../src/lib/server/auth/errors';
import { listOutbox } from '../../src/lib/server/auth/outbox';
import type { DB } from '../../src/lib/server/platform/database';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { codeOf, confirmationToken, embeddedAuth } from '../support/auth';
import { migrated } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const VICTIM_PASSWORD = 'Victim-password-42';
const ATTACKER_PASSWORD = 'Attacker-password-42';

describe.each(engineFactories)('auth attacks on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let auth: EmbeddedAuth;

	const latestConfirmationToken = (to: string) => confirmationToken(db, to);

	async function confirmedUser(email: string, password: string) {
		await auth.signUp({ email, password });
		await auth.confirmEmail(await latestConfirmationToken(email));
	}

	beforeAll(async () => {
		t = await migrated(factory);
		db = t.engine.db;
		auth = embeddedAuth(db);
	});
	afterAll(() => t.dispose());

	describe('pre-hijacking an account', () => {
		it('an attacker who signs up first for the address loses it once the victim signs up and confirms the latest link', async () => {
			const email = 'victim@example.com';
			await auth.signUp({
				email,
				password: ATTACKER_PASSWORD,
				userMetadata: { full_name: 'Mallory' }
			});
			const attackersLink = await latestConfirmationToken(email);
			expect(await codeOf(auth.signIn(email, ATTACKER_PASSWORD))).toBe('email_not_confirmed');

			await auth.signUp({
				email,
				password: VICTIM_PASSWORD,
				userMetadata: { full_name: 'Victor' }
			});
			const victimsLink = await latestConfirmationToken(email);
			expect(victimsLink).not.toBe(attackersLink);

			expect(await codeOf(auth.confirmEmail(attackersLink))).toBe('token_invalid');
			expect((await auth.confirmEmail(victimsLink)).email).toBe(email);
			expect(await codeOf(auth.signIn(email, ATTACKER_PASSWORD))).toBe('invalid_credentials');
			const session = await auth.signIn(email, VICTIM_PASSWORD);
			expect(session.user.userMetadata).toEqual({ full_name: 'Victor' });
			const claims = await auth.verifyAccessToken(session.accessToken);
			const profile = await runWithClaims(db, claims, (trx) =>
				trx
					.selectFrom('profiles')
					.select('full_name')
					.where('id', '=', claims.sub)
					.executeTakeFirst()
			);
			expect(profile?.full_name).toBe('Victor');
			const [users] = (
				await sql<{
					n: number;
				}>`select count(*)::int as n from auth.users where email = ${email}`.execute(db)
			).rows;
			expect(users!.n).toBe(1);
		});

		it('a session of the unconfirmed account does not survive the owner signing up again', async () => {
			const email = 'early@example.com';
			await auth.signUp({ email, password: ATTACKER_PASSWORD });
			const [{ id }] = (
				await sql<{ id: string }>`select id from auth.users where email = ${email}`.execute(db)
			).rows as [{ id: string }];
			// However it came to be (a provider that let unconfirmed users in, an operator's script).
			await sql`insert into auth.sessions (id, user_id, created_at, updated_at, aal)
			          values (gen_random_uuid(), ${id}, now(), now(), 'aal1')`.execute(db);
			await auth.signUp({ email, password: VICTIM_PASSWORD });
			const [left] = (
				await sql<{
					n: number;
				}>`select count(*)::int as n from auth.sessions where user_id = ${id}`.execute(db)
			).rows;
			expect(left!.n).toBe(0);
		});

		it('a password reset of an unconfirmed account gives it to whoever reads the mail, and voids the confirmation link', async () => {
			const email = 'reset-first@example.com';
			await auth.signUp({ email, password: ATTACKER_PASSWORD });
			const attackersLink = await latestConfirmationToken(email);
			await auth.requestPasswordReset(email);
			const reset = (await listOutbox(db, 500)).find(
				(m) => m.toAddress === email && m.template === 'reset_password'
			);
			expect(reset, 'a reset email in the outbox').toBeTruthy();
			await auth.resetPassword(
				new URL(reset!.payload.link as string).searchParams.get('token')!,
				VICTIM_PASSWORD
			);
			expect(await codeOf(auth.signIn(email, ATTACKER_PASSWORD))).toBe('invalid_credentials');
			expect(await codeOf(auth.signIn(email, VICTIM_PASSWORD))).toBe('ok');
			expect(await codeOf(auth.confirmEmail(attackersLink))).toBe('token_invalid');
		});
	});

	describe('locking anyone out', () => {
		const attacker = { ip: '203.0.113.66' };
		const victim = { ip: '198.51.100.20' };

		it("throttles the attacker's address after 5 failures while the victim signs in from another address with the right password", async () => {
			const email = 'target@example.com';
			await confirmedUser(email, VICTIM_PASSWORD);
			for (let i = 0; i < 5; i++) {
				expect(await codeOf(auth.signIn(email, `Guess number ${i}`, attacker))).toBe(
					'invalid_credentials'
				);
			}
			expect(await codeOf(auth.signIn(email, 'Guess number 6', attacker))).toBe('user_locked');
			expect(await codeOf(auth.signIn(email, VICTIM_PASSWORD, attacker))).toBe('user_locked');
			expect(await codeOf(auth.signIn(email, VICTIM_PASSWORD, victim))).toBe('ok');
		});

		it('throttles one address guessing across many accounts', async () => {
			const spray = { ip: '203.0.113.99' };
			for (let i = 0; i < 30; i++) {
				expect(
					await codeOf(auth.signIn(`sprayed${i}@example.com`, 'Common-password-1', spray))
				).toBe('invalid_credentials');
			}
			expect(await codeOf(auth.signIn('sprayed99@example.com', 'Common-password-1', spray))).toBe(
				'rate_limited'
			);
			expect(await codeOf(auth.signIn('sprayed99@example.com', 'Common-password-1', victim))).toBe(
				'invalid_credentials'
			);
		});

		it('bounds a distributed attack on one account without locking its owner out of a familiar address', async () => {
			const email = 'distributed@example.com';
			await confirmedUser(email, VICTIM_PASSWORD);
			const home = { ip: '198.51.100.30' };
			expect(await codeOf(auth.signIn(email, VICTIM_PASSWORD, home))).toBe('ok');
			for (let i = 0; i < 20; i++) {
				expect(await codeOf(auth.signIn(email, `Guess ${i}`, { ip: `203.0.113.${100 + i}` }))).toBe(
					'invalid_credentials'
				);
			}
			// Past the account's ceiling, a new address is slowed down even with the right password
			// (the guess is not even checked) until the window ends …
			const slowed = await auth
				.signIn(email, VICTIM_PASSWORD, { ip: '203.0.113.200' })
				.catch((e: AuthError) => e);
			expect((slowed as AuthError).code).toBe('rate_limited');
			expect((slowed as AuthError).retryAfterMs).toBeGreaterThan(0);
			expect((slowed as AuthError).retryAfterMs).toBeLessThanOrEqual(15 * 60_000);
			// … while the owner still signs in from an address the account knows.
			expect(await codeOf(auth.signIn(email, VICTIM_PASSWORD, home))).toBe('ok');
			// And after the window, new addresses may try again.
			await sql`update auth.sign_in_attempts set window_started_at = now() - interval '16 minutes'
			           where scope = 'account' and email = ${email}`.execute(db);
			expect(await codeOf(auth.signIn(email, VICTIM_PASSWORD, { ip: '203.0.113.200' }))).toBe('ok');
		});
	});
});
