/** Shapes the SSO module's parts share. */
import type { Selectable } from 'kysely';
import type { SsoProviders } from '../platform/database';

export type SsoProviderRow = Selectable<SsoProviders>;

/** What an IdP's answer said, once every check passed. */
export interface CheckedIdentity {
	/** SAML NameID or OIDC sub. */
	subject: string;
	email: string;
	name: string | null;
	groups: string[];
	/** The IdP said a second factor was used (AuthnContextClassRef, acr or amr in mfa_contexts). */
	mfa: boolean;
	/** The checks that passed, in order (the connection test shows them). */
	checks: string[];
}

/** The checks an answer goes through, in the words the connection test shows. */
export const CHECK_LABELS: Record<string, string> = {
	signature: 'Signed by the IdP’s certificate (assertion signature and digest)',
	issuer: 'Issued by the configured IdP',
	audience: 'Meant for us (audience / client id)',
	time: 'Within its validity window (NotBefore / NotOnOrAfter, expiry)',
	in_response_to: 'Answers the request we sent (InResponseTo / state)',
	destination: 'Sent to our ACS URL (Destination)',
	recipient: 'Confirmed for our ACS URL (Recipient)',
	replay: 'Not seen before (assertion id)',
	nonce: 'Carries the nonce we sent',
	pkce: 'Code exchanged with our PKCE verifier',
	attributes: 'Names an email address',
	domain: 'The address is of a domain this provider serves',
	account: 'The account it signs in to',
	response: 'A well-formed answer'
};

/** An IdP's answer failed a check: which one, and what the library said. */
export class SsoCheckError extends Error {
	constructor(
		readonly check: string,
		readonly detail: string
	) {
		super(`${check}: ${detail}`);
	}
}
