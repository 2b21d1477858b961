/**
 * Issue 9 §5: a new password equal to the current one was accepted. The embedded provider compares
 * the new password against the stored hash (crypt()) and refuses it as GoTrue's same_password is
 * refused by the Supabase provider: weak_password, with the same sentence, nothing changed.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAME_PASSWORD } from '../../src/lib/server/auth/schemas';
import type { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { AuthError } from '../../src/lib/server/auth/errors';
import type { DB } from '../../src/lib/server/platform/database';
import { embeddedAuth } from '../support/auth';
import { seeded } from '../support/database';
import { engineFactories, type TestEngine } from './engines';

const SEEDED = 'password123!';

describe.each(engineFactories)(
	'a new password equal to the current one on %s',
	(_name, factory) => {
		let t: TestEngine;
		let db: Kysely<DB>;
		let auth: EmbeddedAuth;

		beforeAll(async () => {
			t = await seeded(factory);
			db = t.engine.db;
			auth = embeddedAuth(db);
		});
		afterAll(() => t.dispose());

		it('is refused as weak_password with a sentence, and the hash and sessions stay', async () => {
			const email = 'dev@acme.test';
			const claims = await auth.verifyAccessToken((await auth.signIn(email, SEEDED)).accessToken);
			await auth.signIn(email, SEEDED);
			const state = async () =>
				(
					await sql<{ hash: string; sessions: string }>`
					select u.encrypted_password as hash,
					       (select count(*) from auth.sessions s where s.user_id = u.id) as sessions
					  from auth.users u where u.email = ${email}`.execute(db)
				).rows[0]!;
			const before = await state();

			const refusal = await auth.changePassword(claims, SEEDED, SEEDED).catch((e: unknown) => e);
			expect(refusal).toBeInstanceOf(AuthError);
			expect((refusal as AuthError).code).toBe('weak_password');
			expect((refusal as AuthError).issues).toEqual([SAME_PASSWORD]);
			expect(await state()).toEqual(before);

			// A different password still goes through.
			expect(await auth.changePassword(claims, SEEDED, 'Another pass 42')).toBe(1);
		});
	}
);
