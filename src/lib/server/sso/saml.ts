/**
 * SAML 2.0 service provider, HTTP-Redirect AuthnRequests and HTTP-POST responses, through
 * @node-saml/node-saml (signature, digest, wrapping, issuer, audience, NotBefore / NotOnOrAfter,
 * InResponseTo against the request we sent). What node-saml leaves to the caller is checked here
 * on the XML it verified: the response's Destination and the subject confirmation's Recipient are
 * our ACS URL, and the assertion's id has not been accepted before (private.sso_assertions, until
 * the assertion expires). Our AuthnRequests are signed by node-saml with the provider's SP key
 * (sp-key.ts). No XML signature is made or checked by hand anywhere.
 */
import {
	generateServiceProviderMetadata,
	SAML,
	ValidateInResponseTo,
	type CacheProvider,
	type Profile
} from '@node-saml/node-saml';
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { SpKeyPair } from './sp-key';
import { SsoCheckError, type CheckedIdentity, type SsoProviderRow } from './types';
import { acsUrl, spEntityId } from './urls';

/** How far the IdP's clock may be from ours. */
export const CLOCK_SKEW_MS = 2 * 60_000;
/** How long an AuthnRequest we sent may be answered. */
const REQUEST_TTL_MS = 10 * 60_000;

export interface SamlRequestRow {
	id: string;
	purpose: 'signin' | 'link' | 'test';
	link_user_id: string | null;
	return_to: string;
}

/** node-saml's request-id cache over private.sso_requests, in the caller's transaction. */
class RequestCache implements CacheProvider {
	found: SamlRequestRow | null = null;
	constructor(
		private readonly trx: Transaction<DB>,
		private readonly provider: SsoProviderRow,
		private readonly start?: Omit<SamlRequestRow, 'id'>
	) {}

	async saveAsync(key: string, value: string) {
		const s = this.start ?? { purpose: 'signin', link_user_id: null, return_to: '/' };
		await sql`insert into private.sso_requests (id, tenant_id, provider_id, purpose, link_user_id, return_to)
		          values (${key}, ${this.provider.tenant_id}, ${this.provider.id}, ${s.purpose},
		                  ${s.link_user_id}, ${s.return_to})`.execute(this.trx);
		return { value, createdAt: Date.now() };
	}

	/** Locks the row: a second response to the same request waits, then finds it used up. */
	async getAsync(key: string) {
		const row = (
			await sql<SamlRequestRow & { created_at: Date }>`
				select id, purpose, link_user_id, return_to, created_at from private.sso_requests
				 where id = ${key} and provider_id = ${this.provider.id} and expires_at > now()
				   for update`.execute(this.trx)
		).rows[0];
		if (!row) return null;
		this.found = row;
		return row.created_at.toISOString();
	}

	async removeAsync(key: string | null) {
		if (key) await sql`delete from private.sso_requests where id = ${key}`.execute(this.trx);
		return key;
	}
}

function samlFor(
	provider: SsoProviderRow,
	publicUrl: string,
	cache: CacheProvider,
	validateInResponseTo: ValidateInResponseTo,
	signing?: SpKeyPair
): SAML {
	if (!provider.idp_sso_url || !provider.idp_entity_id || provider.idp_certificates.length === 0) {
		throw new Error(`SSO provider ${provider.id} is not a complete SAML provider.`);
	}
	return new SAML({
		entryPoint: provider.idp_sso_url,
		issuer: spEntityId(publicUrl, provider.id),
		callbackUrl: acsUrl(publicUrl, provider.id),
		audience: spEntityId(publicUrl, provider.id),
		idpIssuer: provider.idp_entity_id,
		// Either certificate of a rotation verifies.
		idpCert: provider.idp_certificates,
		wantAssertionsSigned: true,
		wantAuthnResponseSigned: false,
		acceptedClockSkewMs: CLOCK_SKEW_MS,
		maxAssertionAgeMs: 10 * 60_000,
		validateInResponseTo,
		requestIdExpirationPeriodMs: REQUEST_TTL_MS,
		cacheProvider: cache,
		identifierFormat: null,
		disableRequestedAuthnContext: true,
		generateUniqueId: () => `_${crypto.randomUUID().replaceAll('-', '')}`,
		// Our AuthnRequests are signed (HTTP-Redirect: SigAlg and Signature over the query, by node-saml).
		...(signing ? { privateKey: signing.privateKey, signatureAlgorithm: 'sha256' as const } : {})
	});
}

/**
 * The IdP's sign-in URL carrying a new AuthnRequest (HTTP-Redirect) signed with the provider's SP
 * key (sp-key.ts), its id remembered.
 */
export async function samlAuthorizeUrl(
	trx: Transaction<DB>,
	provider: SsoProviderRow,
	publicUrl: string,
	start: Omit<SamlRequestRow, 'id'>,
	relayState: string,
	signing: SpKeyPair
): Promise<string> {
	const cache = new RequestCache(trx, provider, start);
	const saml = samlFor(provider, publicUrl, cache, ValidateInResponseTo.always, signing);
	return saml.getAuthorizeUrlAsync(relayState, undefined, {});
}

/**
 * Our SP metadata for the IdP's administrator (entity id, ACS URL, NameID format), with
 * AuthnRequestsSigned="true" and the signing certificate.
 */
export function spMetadata(providerId: string, publicUrl: string, signing: SpKeyPair): string {
	return generateServiceProviderMetadata({
		issuer: spEntityId(publicUrl, providerId),
		callbackUrl: acsUrl(publicUrl, providerId),
		identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
		wantAssertionsSigned: true,
		privateKey: signing.privateKey,
		publicCerts: signing.certificate,
		signatureAlgorithm: 'sha256'
	});
}

function firstString(value: unknown): string | null {
	if (typeof value === 'string') return value;
	if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
	return null;
}

function strings(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
	return [];
}

/** Which of the named checks node-saml's error is. */
function failedCheck(message: string): string {
	const m = message.toLowerCase();
	if (m.includes('inresponseto')) return 'in_response_to';
	if (m.includes('audience')) return 'audience';
	if (m.includes('issuer')) return 'issuer';
	// The subject confirmation's NotOnOrAfter is the only thing node-saml checks of it.
	if (m.includes('expired') || m.includes('not yet valid') || m.includes('subject confirmation'))
		return 'time';
	if (m.includes('signature') || m.includes('signed')) return 'signature';
	return 'response';
}

export interface SamlResult {
	identity: CheckedIdentity;
	request: SamlRequestRow | null;
}

/**
 * Checks a POSTed SAMLResponse for the provider: node-saml's checks, then Destination,
 * Recipient and replay. Throws SsoCheckError naming the failed check.
 */
export async function checkSamlResponse(
	trx: Transaction<DB>,
	provider: SsoProviderRow,
	publicUrl: string,
	body: { SAMLResponse: string; RelayState?: string }
): Promise<SamlResult> {
	const cache = new RequestCache(trx, provider);
	const saml = samlFor(
		provider,
		publicUrl,
		cache,
		provider.allow_idp_initiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always
	);
	let profile: Profile | null;
	try {
		({ profile } = await saml.validatePostResponseAsync({
			SAMLResponse: body.SAMLResponse,
			...(body.RelayState ? { RelayState: body.RelayState } : {})
		}));
	} catch (error) {
		// A database error inside the request cache is ours, not the IdP's.
		if (typeof (error as { code?: unknown })?.code === 'string') throw error;
		const message = error instanceof Error ? error.message : String(error);
		throw new SsoCheckError(failedCheck(message), message);
	}
	if (!profile?.getAssertionXml)
		throw new SsoCheckError('response', 'No assertion in the response.');
	const expected = acsUrl(publicUrl, provider.id);

	const response = await parseDomFromString(
		Buffer.from(body.SAMLResponse, 'base64').toString('utf8')
	);
	const destination = xpath.selectAttributes(
		response,
		"/*[local-name()='Response']/@Destination"
	)[0]?.nodeValue;
	if (destination !== expected) {
		throw new SsoCheckError(
			'destination',
			`Destination is ${destination ?? 'missing'}, not ${expected}.`
		);
	}

	// The assertion node-saml verified (its signed copy), not whatever else the document holds.
	const assertion = await parseDomFromString(profile.getAssertionXml());
	const recipients = xpath
		.selectAttributes(
			assertion,
			"/*[local-name()='Assertion']/*[local-name()='Subject']/*[local-name()='SubjectConfirmation']/*[local-name()='SubjectConfirmationData']/@Recipient"
		)
		.map((a) => a.nodeValue);
	if (recipients.length === 0 || recipients.some((r) => r !== expected)) {
		throw new SsoCheckError(
			'recipient',
			`Recipient is ${recipients.join(', ') || 'missing'}, not ${expected}.`
		);
	}
	const assertionId = xpath.selectAttributes(assertion, "/*[local-name()='Assertion']/@ID")[0]
		?.nodeValue;
	const notOnOrAfter =
		xpath.selectAttributes(
			assertion,
			"/*[local-name()='Assertion']/*[local-name()='Conditions']/@NotOnOrAfter"
		)[0]?.nodeValue ?? null;
	if (!assertionId) throw new SsoCheckError('replay', 'The assertion has no ID.');
	const expires = new Date(
		Math.max(notOnOrAfter ? Date.parse(notOnOrAfter) : 0, Date.now() + 10 * 60_000) + CLOCK_SKEW_MS
	);
	const fresh = await sql<{ assertion_id: string }>`
		insert into private.sso_assertions (provider_id, assertion_id, expires_at)
		values (${provider.id}, ${assertionId}, ${expires})
		on conflict do nothing returning assertion_id`.execute(trx);
	if (fresh.rows.length === 0) {
		throw new SsoCheckError('replay', `Assertion ${assertionId} was used before.`);
	}
	await sql`delete from private.sso_assertions where expires_at < now()`.execute(trx);

	const context = xpath
		.selectElements(
			assertion,
			"/*[local-name()='Assertion']/*[local-name()='AuthnStatement']/*[local-name()='AuthnContext']/*[local-name()='AuthnContextClassRef']"
		)
		.map((n) => n.textContent?.trim() ?? '');
	const email =
		firstString(profile[provider.email_attribute]) ??
		firstString(profile.email) ??
		firstString(profile.mail) ??
		(/^[^@\s]+@[^@\s]+$/.test(profile.nameID) ? profile.nameID : null);
	if (!email) throw new SsoCheckError('attributes', `No ${provider.email_attribute} attribute.`);
	return {
		identity: {
			subject: profile.nameID,
			email,
			name: firstString(profile[provider.name_attribute]),
			groups: strings(profile[provider.groups_attribute]),
			mfa: context.some((c) => provider.mfa_contexts.includes(c)),
			checks: [
				'signature',
				'issuer',
				'audience',
				'time',
				'in_response_to',
				'destination',
				'recipient',
				'replay'
			]
		},
		request: cache.found
	};
}
