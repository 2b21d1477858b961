import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { listOutbox } from '../../src/lib/server/auth/outbox';
import { totpCode } from '../../src/lib/server/auth/totp';
import type { DB } from '../../src/lib/server/platform/database';
import { codeOf, embeddedAuth } from '../support/auth';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const SEEDED = 'password123!';

describe.each(engineFactories)('changePassword on %s', (_name, factory) => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let auth: EmbeddedAuth;

	const signIn = async (email: string, password: string) =>
		auth.verifyAccessToken((await auth.signIn(email, password)).accessToken);
	const sessionsOf = async (email: string) =>
		Number(
			(
				await sql<{ n: string }>`select count(*) as n from auth.sessions s
				   join auth.users u on u.id = s.user_id where u.email = ${email}`.execute(db)
			).rows[0]!.n
		);

	beforeAll(async () => {
		t = await seeded(factory);
		db = t.engine.db;
		auth = embeddedAuth(db);
	});
	afterAll(() => t.dispose());

	it('checks the current password and the rules, then ends every other session', async () => {
		const email = 'viewer@acme.test';
		const claims = await signIn(email, SEEDED);
		await signIn(email, SEEDED);
		await signIn(email, SEEDED);
		expect(await sessionsOf(email)).toBe(3);

		expect(await codeOf(auth.changePassword(claims, 'wrong', 'Brand-New-42'))).toBe(
			'invalid_credentials'
		);
		expect(await codeOf(auth.changePassword(claims, SEEDED, 'short'))).toBe('weak_password');
		expect(await codeOf(auth.changePassword(claims, SEEDED, 'viewer@acme.test'))).toBe(
			'weak_password'
		);
		expect(await auth.changePassword(claims, SEEDED, 'Brand-New-42')).toBe(2);
		expect(await sessionsOf(email)).toBe(1);
		expect(await codeOf(auth.signIn(email, SEEDED))).toBe('invalid_credentials');
		expect(await codeOf(signIn(email, 'Brand-New-42'))).toBe('ok');
		// One "password changed" message: the security notice's mail (notifications), no other.
		const { rows } = await sql<{ n: number }>`select count(*)::int as n
			from private.notification_mail m join auth.users u on u.id = m.user_id
			where u.email = ${email} and m.kind = 'security.password_changed'`.execute(db);
		expect(rows[0]!.n).toBe(1);
		expect((await listOutbox(db, 50)).filter((m) => m.toAddress === email)).toEqual([]);
	});

	it('refuses a sixth wrong current password within 15 minutes, even before checking it', async () => {
		const claims = await signIn('auditor@acme.test', SEEDED);
		for (let i = 0; i < 5; i++) {
			expect(await codeOf(auth.changePassword(claims, 'wrong', 'Brand-New-42'))).toBe(
				'invalid_credentials'
			);
		}
		expect(await codeOf(auth.changePassword(claims, SEEDED, 'Brand-New-42'))).toBe('rate_limited');
	});

	it('needs an aal2 session once a factor is verified, and a revoked session cannot use it', async () => {
		const email = 'dev@acme.test';
		const first = await signIn(email, SEEDED);
		const enrolment = await auth.enrolTotp(first, 'phone');
		await auth.verifyTotpEnrolment(first, enrolment.factorId, totpCode(enrolment.secret));

		const aal1 = await signIn(email, SEEDED);
		expect(aal1.aal).toBe('aal1');
		expect(await codeOf(auth.changePassword(aal1, SEEDED, 'Brand-New-42'))).toBe('mfa_required');

		await auth.signOut(aal1);
		expect(await codeOf(auth.changePassword(aal1, SEEDED, 'Brand-New-42'))).toBe('token_invalid');
	});
});
