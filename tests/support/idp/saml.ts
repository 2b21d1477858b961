/**
 * A SAML 2.0 identity provider for tests, built with samlify, on 127.0.0.1 and a free port. It
 * signs responses with one of two fixed test keys (idp-a, idp-b: a rotation), and can also make
 * the bad answers the attack tests need — unsigned, for another audience, expired, altered after
 * signing, wrapped. Its HTTP server plays the browser part: GET /sso with an AuthnRequest
 * (HTTP-Redirect) answers with a page that POSTs the response to the request's ACS URL, for the
 * person `nextUser` names; told to (`requireSignedRequests`), it refuses AuthnRequests not signed
 * by the SP key of the metadata it was given, as an IdP with WantAuthnRequestsSigned does.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import * as samlify from 'samlify';

const dir = new URL('.', import.meta.url).pathname;
const pem = (name: string) => readFileSync(`${dir}${name}`, 'utf8');
/** The base64 body of a test certificate (what sso_providers.idp_certificates holds). */
export const certificateBody = (key: 'a' | 'b') =>
	pem(`idp-${key}.crt`)
		.replace(/-----[^-]+-----/g, '')
		.replace(/\s+/g, '');

// samlify parses our own AuthnRequests only in tests; its XML schema check is not needed for that.
samlify.setSchemaValidator({ validate: async () => 'skipped' });

export interface SamlUser {
	nameId: string;
	email: string;
	name?: string;
	groups?: string[];
	authnContext?: string;
}

export interface ResponseOptions {
	acs: string;
	audience: string;
	inResponseTo?: string;
	user: SamlUser;
	key?: 'a' | 'b';
	/** Unsigned: no signature at all. */
	unsigned?: boolean;
	notBefore?: Date;
	notOnOrAfter?: Date;
	destination?: string;
	recipient?: string;
	issuer?: string;
}

const esc = (s: string) =>
	s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function attributeStatement(user: SamlUser): string {
	const attr = (name: string, values: string[]) =>
		`<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
			.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
			.join('')}</saml:Attribute>`;
	return `<saml:AttributeStatement>${attr('email', [user.email])}${user.name ? attr('name', [user.name]) : ''}${
		user.groups?.length ? attr('groups', user.groups) : ''
	}</saml:AttributeStatement>`;
}

function authnStatement(user: SamlUser, now: string): string {
	const ref =
		user.authnContext ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
	return `<saml:AuthnStatement AuthnInstant="${now}" SessionIndex="_s${Date.now()}"><saml:AuthnContext><saml:AuthnContextClassRef>${ref}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
}

export interface SamlIdp {
	url: string;
	entityId: string;
	ssoUrl: string;
	/** Who signs in at GET /sso next. */
	nextUser: SamlUser;
	/** A base64 SAMLResponse as the options say. */
	response(options: ResponseOptions): Promise<string>;
	/** The last AuthnRequest GET /sso received: its id and ACS URL. */
	lastRequest: { id: string; acs: string; issuer: string } | null;
	/**
	 * WantAuthnRequestsSigned: from now on GET /sso answers 403 to an AuthnRequest that is not
	 * signed (HTTP-Redirect signature) by the key in one of these SP metadata documents.
	 */
	requireSignedRequests(spMetadata: string[]): void;
	/** Why GET /sso would refuse this AuthnRequest URL (samlify's check), or null when it passes. */
	checkRequest(url: string): Promise<string | null>;
	close(): Promise<void>;
}

export async function startSamlIdp(): Promise<SamlIdp> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const entityId = `${url}/metadata`;
	const ssoUrl = `${url}/sso`;
	const idps = {
		a: samlify.IdentityProvider({
			entityID: entityId,
			privateKey: pem('idp-a.key'),
			signingCert: pem('idp-a.crt'),
			singleSignOnService: [
				{ Binding: samlify.Constants.namespace.binding.redirect, Location: ssoUrl }
			],
			nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress']
		}),
		b: samlify.IdentityProvider({
			entityID: entityId,
			privateKey: pem('idp-b.key'),
			signingCert: pem('idp-b.crt'),
			singleSignOnService: [
				{ Binding: samlify.Constants.namespace.binding.redirect, Location: ssoUrl }
			],
			nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress']
		})
	};

	async function response(o: ResponseOptions): Promise<string> {
		const now = new Date();
		const later = o.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000);
		const sp = samlify.ServiceProvider({
			entityID: o.audience,
			assertionConsumerService: [
				{ Binding: samlify.Constants.namespace.binding.post, Location: o.acs }
			],
			wantAssertionsSigned: true
		});
		const values = (id: string, assertionId: string) => ({
			ID: id,
			AssertionID: assertionId,
			Destination: o.destination ?? o.acs,
			Audience: o.audience,
			SubjectRecipient: o.recipient ?? o.acs,
			Issuer: o.issuer ?? entityId,
			IssueInstant: now.toISOString(),
			StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
			ConditionsNotBefore: (o.notBefore ?? now).toISOString(),
			ConditionsNotOnOrAfter: later.toISOString(),
			SubjectConfirmationDataNotOnOrAfter: later.toISOString(),
			NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
			NameID: o.user.nameId,
			InResponseTo: o.inResponseTo ?? ''
		});
		const fill = (template: string) => {
			const id = `_r${crypto.randomUUID().replaceAll('-', '')}`;
			let xml = template
				.replace('{AttributeStatement}', attributeStatement(o.user))
				.replace('{AuthnStatement}', authnStatement(o.user, now.toISOString()));
			xml = samlify.SamlLib.replaceTagsByValue(
				xml,
				values(id, `_a${crypto.randomUUID().replaceAll('-', '')}`)
			);
			if (!o.inResponseTo) xml = xml.replaceAll(' InResponseTo=""', '');
			return { id, context: xml };
		};
		if (o.unsigned) {
			return Buffer.from(
				fill(samlify.SamlLib.defaultLoginResponseTemplate.context).context
			).toString('base64');
		}
		const made = await idps[o.key ?? 'a'].createLoginResponse(
			sp,
			{ extract: { request: { id: o.inResponseTo ?? '' } } },
			'post',
			{ email: o.user.nameId },
			fill
		);
		return made.context;
	}

	// WantAuthnRequestsSigned, verified by samlify against the SP's metadata (its signing certificate).
	let trusted: samlify.ServiceProviderInstance[] | null = null;
	const verifier = samlify.IdentityProvider({
		entityID: entityId,
		privateKey: pem('idp-a.key'),
		signingCert: pem('idp-a.crt'),
		singleSignOnService: [
			{ Binding: samlify.Constants.namespace.binding.redirect, Location: ssoUrl }
		],
		wantAuthnRequestsSigned: true
	});
	async function checkRequest(raw: string): Promise<string | null> {
		if (!trusted) return null;
		const reqUrl = new URL(raw, url);
		const xml = inflateRawSync(
			Buffer.from(reqUrl.searchParams.get('SAMLRequest') ?? '', 'base64')
		).toString('utf8');
		const issuer = /<(?:saml:)?Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? '';
		const sp = trusted.find((t) => t.entityMeta.getEntityID() === issuer);
		if (!sp) return `no SP metadata for ${issuer}`;
		// The signed octets are the query as sent, without its Signature.
		const octetString = reqUrl.search
			.slice(1)
			.split('&')
			.filter((part) => !part.startsWith('Signature='))
			.join('&');
		try {
			await verifier.parseLoginRequest(sp, 'redirect', {
				query: Object.fromEntries(reqUrl.searchParams),
				octetString
			});
			return null;
		} catch (error) {
			return error instanceof Error ? error.message : String(error);
		}
	}

	const idp: SamlIdp = {
		url,
		entityId,
		ssoUrl,
		nextUser: { nameId: 'nobody@example.invalid', email: 'nobody@example.invalid' },
		response,
		lastRequest: null,
		requireSignedRequests(spMetadata) {
			trusted = spMetadata.map((metadata) => samlify.ServiceProvider({ metadata }));
		},
		checkRequest,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};

	server.on('request', async (req, res) => {
		try {
			const reqUrl = new URL(req.url ?? '/', url);
			if (reqUrl.pathname !== '/sso') {
				res.writeHead(404).end();
				return;
			}
			const refused = await checkRequest(req.url ?? '/');
			if (refused) {
				res
					.writeHead(403, { 'content-type': 'text/plain' })
					.end(`AuthnRequest refused: ${refused}`);
				return;
			}
			const xml = inflateRawSync(
				Buffer.from(reqUrl.searchParams.get('SAMLRequest') ?? '', 'base64')
			).toString('utf8');
			const id = /\bID="([^"]+)"/.exec(xml)?.[1] ?? '';
			const acs = /\bAssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1] ?? '';
			const issuer = /<(?:saml:)?Issuer[^>]*>([^<]+)</.exec(xml)?.[1] ?? '';
			idp.lastRequest = { id, acs, issuer };
			const saml = await response({ acs, audience: issuer, inResponseTo: id, user: idp.nextUser });
			const relay = reqUrl.searchParams.get('RelayState') ?? '';
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(`<!doctype html><html lang="en"><title>Test IdP</title><body>
<form method="post" action="${esc(acs)}"><input type="hidden" name="SAMLResponse" value="${saml}">
<input type="hidden" name="RelayState" value="${esc(relay)}"><button type="submit">Continue to the app</button></form>
<script>document.forms[0].submit()</script></body></html>`);
		} catch (error) {
			res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
		}
	});
	return idp;
}
