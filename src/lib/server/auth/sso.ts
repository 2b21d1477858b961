/**
 * The account creation path single sign-on needs (issue 15 §1): an account for a person whom the
 * tenant's identity provider vouched for and who has none yet — the embedded provider's own
 * `auth.users` row, as `signUp` writes it, but confirmed (the IdP asserted an address of a domain
 * the tenant verified) and with no password (nothing to sign in with but the IdP until the person
 * resets one). The row is written by `private.create_passwordless_account`
 * (20261206000400_identity.sql), the one path SCIM provisioning takes too. Runs in the caller's
 * transaction as a system job; `private.sso_resolve_identity` has decided first that no account
 * has the address.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { normaliseEmail } from './schemas';

export async function createFederatedAccount(
	trx: Transaction<DB>,
	input: { email: string; name: string | null; providerId: string }
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select private.create_passwordless_account(${normaliseEmail(input.email)}, ${input.name},
		                                           ${`sso:${input.providerId}`}) as id`.execute(trx);
	return rows[0]!.id;
}
