/**
 * What the auth provider tests share: the signing secret, the embedded provider on a test
 * database, the error code a call fails with, and the confirmation link read from the outbox
 * (private.email_outbox), as it leaves.
 */
import type { Kysely } from 'kysely';
import { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { AuthError, type AuthErrorCode } from '../../src/lib/server/auth/errors';
import { listOutbox } from '../../src/lib/server/auth/outbox';
import type { DB } from '../../src/lib/server/platform/database';

export const TEST_AUTH_SECRET = 'integration-test-secret-of-more-than-32-characters';

export function embeddedAuth(db: Kysely<DB>, appUrl = 'http://localhost:3000'): EmbeddedAuth {
	return new EmbeddedAuth({ db, secret: TEST_AUTH_SECRET, appUrl });
}

/** 'ok', or the AuthError code the call failed with; anything else is thrown. */
export async function codeOf(promise: Promise<unknown>): Promise<AuthErrorCode | 'ok'> {
	try {
		await promise;
		return 'ok';
	} catch (error) {
		if (error instanceof AuthError) return error.code;
		throw error;
	}
}

/** The token in the newest confirmation email to `to`. */
export async function confirmationToken(db: Kysely<DB>, to: string): Promise<string> {
	const mail = (await listOutbox(db, 500)).find(
		(m) => m.toAddress === to && m.template === 'confirm_signup'
	);
	const token = mail ? new URL(String(mail.payload.link)).searchParams.get('token') : null;
	if (!token) throw new Error(`no confirmation email to ${to} in private.email_outbox`);
	return token;
}
