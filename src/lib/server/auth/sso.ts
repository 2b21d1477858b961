/**
 * The account creation path single sign-on needs (issue 15 §1): an account for a person whom the
 * tenant's identity provider vouched for and who has none yet — the embedded provider's own
 * `auth.users` row, as `signUp` writes it, but confirmed (the IdP asserted an address of a domain
 * the tenant verified) and with no password (nothing to sign in with but the IdP until the person
 * resets one). Runs in the caller's transaction as a system job; `private.sso_resolve_identity`
 * has decided first that no account has the address.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { normaliseEmail } from './schemas';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export async function createFederatedAccount(
	trx: Transaction<DB>,
	input: { email: string; name: string | null; providerId: string }
): Promise<string> {
	const email = normaliseEmail(input.email);
	const appMeta = { provider: `sso:${input.providerId}`, providers: [`sso:${input.providerId}`] };
	const userMeta = input.name ? { full_name: input.name } : {};
	const row = (
		await sql<{ id: string }>`
			insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
			                        confirmation_token, recovery_token, email_change_token_new, email_change,
			                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
			values (${ZERO_UUID}, gen_random_uuid(), 'authenticated', 'authenticated', ${email}, '', now(),
			        '', '', '', '', ${JSON.stringify(appMeta)}::jsonb, ${JSON.stringify(userMeta)}::jsonb,
			        now(), now())
			returning id`.execute(trx)
	).rows[0]!;
	return row.id;
}
