/**
 * What an IdP's SAML metadata says: its entity id, its SSO URL (HTTP-Redirect, else HTTP-POST)
 * and its signing certificates — read with node-saml's XML parser, from pasted or uploaded XML or
 * from a metadata URL fetched through the SSRF guard.
 */
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml';
import { destinationProblem } from '../webhooks/destination';

export interface IdpMetadata {
	entityId: string;
	ssoUrl: string;
	certificates: string[];
}

const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const MAX_BYTES = 512 * 1024;

/** The IdP's settings from its metadata, or a sentence saying what is missing. */
export async function readIdpMetadata(xml: string): Promise<IdpMetadata | string> {
	let doc: Document;
	try {
		doc = await parseDomFromString(xml);
	} catch {
		return 'That is not XML metadata: paste the IdP’s metadata file.';
	}
	const descriptor = "/*[local-name()='EntityDescriptor']";
	const entityId = xpath.selectAttributes(doc, `${descriptor}/@entityID`)[0]?.nodeValue;
	const services = xpath.selectElements(
		doc,
		`${descriptor}/*[local-name()='IDPSSODescriptor']/*[local-name()='SingleSignOnService']`
	);
	const redirect = services.find((s) => s.getAttribute('Binding') === REDIRECT) ?? services[0];
	const certificates = xpath
		.selectElements(
			doc,
			`${descriptor}/*[local-name()='IDPSSODescriptor']/*[local-name()='KeyDescriptor'][not(@use) or @use='signing']//*[local-name()='X509Certificate']`
		)
		.map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
		.filter((c) => /^[A-Za-z0-9+/=]+$/.test(c));
	if (!entityId) return 'The metadata names no entityID.';
	if (!redirect?.getAttribute('Location')) return 'The metadata names no SingleSignOnService.';
	if (certificates.length === 0) return 'The metadata holds no signing certificate.';
	return {
		entityId,
		ssoUrl: redirect.getAttribute('Location')!,
		certificates: [...new Set(certificates)].slice(0, 2)
	};
}

/** Fetches metadata from its URL (public https only, unless loopback is allowed), at most 512 KiB. */
export async function fetchIdpMetadata(url: string, allowLoopback: boolean): Promise<string> {
	const problem = await destinationProblem(url, allowLoopback);
	if (problem) throw new Error(problem);
	const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
	if (!res.ok) throw new Error(`The metadata URL answered ${res.status}.`);
	const text = await res.text();
	if (text.length > MAX_BYTES) throw new Error('The metadata is larger than 512 KiB.');
	return text;
}
