/**
 * SSO against real identity providers on loopback — a samlify SAML IdP and panva's oidc-provider
 * (tests/support/idp/) — through the real ACS and callback handlers (src/lib/server/sso/service.ts)
 * on a migrated and seeded embedded database: SP- and IdP-initiated SAML, OIDC with PKCE, just-in-
 * time provisioning with the group's role, linking, the connection test, enforcement, and the
 * issue's attack list (unsigned, wrong audience, expired, replayed, wrapped signature, altered
 * attribute, wrong InResponseTo, wrong Destination / Recipient, a key not configured, an IdP of
 * another tenant asserting this tenant's domain, an existing account never linked silently).
 */
import { createVerify, randomBytes, X509Certificate } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedAuth } from '../../src/lib/server/auth/embedded';
import { parsePayload } from '../../src/lib/server/events/catalogue';
import type { DB } from '../../src/lib/server/platform/database';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { createSecret } from '../../src/lib/server/secrets/service';
import {
	finishOidc,
	finishSaml,
	passwordRefused,
	routeEmail,
	samlSpMetadata,
	startSso,
	type SsoOutcome
} from '../../src/lib/server/sso/service';
import { acsUrl, oidcRedirectUrl, spEntityId } from '../../src/lib/server/sso/urls';
import { seeded } from '../support/database';
import { putOnPlan } from '../support/plans';
import {
	certificateBody,
	startSamlIdp,
	type ResponseOptions,
	type SamlIdp
} from '../support/idp/saml';
import { startOidcProvider, type OidcOp } from '../support/idp/oidc';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const GLOBEX_OWNER = { sub: 'a0000000-0000-4000-8000-000000000021', email: 'owner@globex.test' };
// Never dialled: the handlers only build our own URLs from it.
const PUBLIC_URL = 'http://localhost';

describe('single sign-on (embedded)', () => {
	let t: TestEngine;
	let db: Kysely<DB>;
	let auth: EmbeddedAuth;
	let idp: SamlIdp;
	let op: OidcOp;
	let saml: string;
	let globexSaml: string;
	let oidc: string;
	const config = {
		AUTH_JWT_SECRET: undefined,
		DATA_DIR: 'memory://',
		NODE_ENV: 'test' as const,
		SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
		PUBLIC_URL,
		SSO_ALLOW_LOOPBACK: true
	};
	const q = <Row>(text: string, params: unknown[] = []) =>
		t.engine.session((s) => s.query<Row>(text, params));

	beforeAll(async () => {
		t = await seeded(embeddedFactory);
		// SSO needs the Business plan; the seed puts Acme on Pro (Globex is on Business).
		await putOnPlan(q, 'acme');
		db = t.engine.db;
		auth = new EmbeddedAuth({ db, secret: 'x'.repeat(40), appUrl: PUBLIC_URL });
		idp = await startSamlIdp();
		await q(
			`insert into public.tenant_domains (tenant_id, domain, verified_at)
		         values ($1, 'acme.test', now()), ($2, 'globex.test', now())`,
			[ACME, GLOBEX]
		);
		saml = await runWithClaims(db, OWNER, async (trx) => {
			const row = await trx
				.insertInto('sso_providers')
				.values({
					tenant_id: ACME,
					kind: 'saml',
					name: 'Acme SAML',
					idp_entity_id: idp.entityId,
					idp_sso_url: idp.ssoUrl,
					idp_certificates: [certificateBody('a')],
					group_roles: JSON.stringify({ engineers: 'developer' }),
					mfa_contexts: ['urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor']
				})
				.returning('id')
				.executeTakeFirstOrThrow();
			await sql`insert into public.sso_domains (tenant_id, domain_id, provider_id)
			          select ${ACME}, id, ${row.id} from public.tenant_domains where domain = 'acme.test'`.execute(
				trx
			);
			return row.id;
		});
		({ globexSaml, oidc } = await runWithClaims(db, GLOBEX_OWNER, async (trx) => {
			const g = await trx
				.insertInto('sso_providers')
				.values({
					tenant_id: GLOBEX,
					kind: 'saml',
					name: 'Globex SAML',
					idp_entity_id: idp.entityId,
					idp_sso_url: idp.ssoUrl,
					idp_certificates: [certificateBody('a')]
				})
				.returning('id')
				.executeTakeFirstOrThrow();
			const o = await trx
				.insertInto('sso_providers')
				.values({
					tenant_id: GLOBEX,
					kind: 'oidc',
					name: 'Globex OIDC',
					oidc_issuer: 'http://pending',
					oidc_client_id: 'x'
				})
				.returning('id')
				.executeTakeFirstOrThrow();
			await sql`insert into public.sso_domains (tenant_id, domain_id, provider_id)
			          select ${GLOBEX}, id, ${o.id} from public.tenant_domains where domain = 'globex.test'`.execute(
				trx
			);
			return { globexSaml: g.id, oidc: o.id };
		}));
		op = await startOidcProvider({ redirectUris: [oidcRedirectUrl(PUBLIC_URL, oidc)] });
		await runWithClaims(db, GLOBEX_OWNER, async (trx) => {
			await trx
				.updateTable('sso_providers')
				.set({ oidc_issuer: op.issuer, oidc_client_id: op.clientId })
				.where('id', '=', oidc)
				.execute();
			await createSecret(trx, config, {
				tenantId: GLOBEX,
				name: 'client_secret',
				format: 'opaque',
				value: op.clientSecret,
				owner: { type: 'sso_provider', id: oidc }
			});
		});
	}, 180_000);
	afterAll(async () => {
		// Every sso.* event the sign-ins published parses with its catalogue schema, and both types occurred.
		if (db) {
			const { rows } = await sql<{ type: string; payload: unknown }>`
				select type, payload from public.events where type like 'sso.%'`.execute(db);
			expect(new Set(rows.map((r) => r.type))).toEqual(
				new Set(['sso.signed_in', 'sso.identity_linked'])
			);
			expect(rows.map((r) => parsePayload(r.type, r.payload)).filter((p) => !p.success)).toEqual(
				[]
			);
		}
		await idp?.close();
		await op?.close();
		await t?.dispose();
	});

	/** Starts an SP-initiated sign-in and returns the AuthnRequest's id. */
	async function samlRequest(
		provider = saml,
		purpose: 'signin' | 'link' | 'test' = 'signin',
		linkUserId?: string
	) {
		const url = new URL((await startSso(db, config, provider, { purpose, linkUserId }))!);
		expect(url.origin + url.pathname).toBe(idp.ssoUrl);
		const xml = inflateRawSync(
			Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')
		).toString();
		expect(xml).toContain(`AssertionConsumerServiceURL="${acsUrl(PUBLIC_URL, provider)}"`);
		return /\bID="([^"]+)"/.exec(xml)![1]!;
	}
	const base = (provider = saml) => ({
		acs: acsUrl(PUBLIC_URL, provider),
		audience: spEntityId(PUBLIC_URL, provider)
	});
	const post = (SAMLResponse: string, provider = saml) =>
		finishSaml(db, config, auth, provider, { SAMLResponse });
	const refusal = (outcome: SsoOutcome) =>
		outcome.kind === 'refused' ? `${outcome.code}:${outcome.check}` : outcome.kind;
	const user = (email: string, groups?: string[]) => ({ nameId: `id-${email}`, email, groups });
	const roleOf = async (tenant: string, email: string) =>
		(
			await q<{ key: string }>(
				`select r.key from public.role_assignments a join public.roles r on r.id = a.role_id
				 join public.profiles p on p.id = a.user_id where a.tenant_id = $1 and p.email = $2`,
				[tenant, email]
			)
		).map((r) => r.key);

	describe('SAML', () => {
		it('routes an address of the verified domain to the tenant’s IdP', async () => {
			expect(await routeEmail(db, 'Someone@Acme.test')).toEqual({
				providerId: saml,
				tenantSlug: 'acme'
			});
			expect(await routeEmail(db, 'someone@elsewhere.test')).toBeNull();
		});

		it('signs a new person in (SP-initiated), provisioning them with their group’s role', async () => {
			const id = await samlRequest();
			const outcome = await post(
				await idp.response({
					...base(),
					inResponseTo: id,
					user: { ...user('newbie@acme.test', ['engineers']), name: 'New Bie' }
				})
			);
			expect(outcome).toMatchObject({ kind: 'signed_in' });
			if (outcome.kind !== 'signed_in') return;
			expect(outcome.session.user.email).toBe('newbie@acme.test');
			expect(outcome.session.aal).toBe('aal1');
			expect(outcome.tenantSlug).toBe('acme');
			expect(await roleOf(ACME, 'newbie@acme.test')).toEqual(['developer']);
			const claims = await auth.verifyAccessToken(outcome.session.accessToken);
			expect(claims.amr.map((a) => a.method)).toEqual(['sso/saml']);
			expect(
				await q(
					`select 1 from public.events where type = 'sso.signed_in' and payload ->> 'user_id' = $1`,
					[outcome.session.user.id]
				)
			).toHaveLength(1);
		});

		it('refuses a replayed response: the request is used up and the assertion id remembered', async () => {
			const id = await samlRequest();
			const response = await idp.response({
				...base(),
				inResponseTo: id,
				user: user('newbie@acme.test')
			});
			expect((await post(response)).kind).toBe('signed_in');
			expect(refusal(await post(response))).toBe('TN449:in_response_to');
		});

		const minutes = (n: number) => new Date(Date.now() + n * 60_000);
		it.each<[string, () => Partial<ResponseOptions>, string]>([
			['an unsigned assertion', () => ({ unsigned: true }), 'TN449:signature'],
			[
				'an assertion for another audience',
				() => ({ audience: 'https://other-sp.example.invalid' }),
				'TN449:audience'
			],
			[
				'an expired assertion (beyond the clock skew)',
				() => ({ notOnOrAfter: minutes(-10) }),
				'TN449:time'
			],
			['an assertion not yet valid', () => ({ notBefore: minutes(10) }), 'TN449:time'],
			['a wrong InResponseTo', () => ({ inResponseTo: '_not-ours' }), 'TN449:in_response_to'],
			[
				'a wrong Destination',
				() => ({ destination: 'http://localhost/elsewhere' }),
				'TN449:destination'
			],
			['a wrong Recipient', () => ({ recipient: 'http://localhost/elsewhere' }), 'TN449:recipient']
		])('refuses %s', async (_, options, expected) => {
			const id = await samlRequest();
			const outcome = await post(
				await idp.response({
					...base(),
					inResponseTo: id,
					user: user('newbie@acme.test'),
					...options()
				})
			);
			expect(refusal(outcome)).toBe(expected);
		});

		it('refuses an attribute altered after signing', async () => {
			const id = await samlRequest();
			const signed = Buffer.from(
				await idp.response({ ...base(), inResponseTo: id, user: user('newbie@acme.test') }),
				'base64'
			).toString();
			const altered = signed.replace('>newbie@acme.test<', '>owner@acme.test<');
			expect(altered).not.toBe(signed);
			expect(refusal(await post(Buffer.from(altered).toString('base64')))).toBe('TN449:signature');
		});

		it('resists signature wrapping (an evil assertion beside or around the signed one)', async () => {
			for (const variant of ['sibling', 'advice'] as const) {
				const id = await samlRequest();
				const signed = Buffer.from(
					await idp.response({ ...base(), inResponseTo: id, user: user('newbie@acme.test') }),
					'base64'
				).toString();
				const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)![0];
				const evil = assertion
					.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
					.replace(/ID="[^"]+"/, 'ID="_evil"')
					.replaceAll('newbie@acme.test', 'owner@acme.test');
				const wrapped =
					variant === 'sibling'
						? signed.replace(assertion, evil + assertion)
						: signed.replace(
								assertion,
								evil.replace(
									'</saml:Assertion>',
									`<saml:Advice>${assertion}</saml:Advice></saml:Assertion>`
								)
							);
				const outcome = await post(Buffer.from(wrapped).toString('base64'));
				expect(outcome.kind, variant).toBe('refused');
			}
			expect(
				await q(`select 1 from public.user_identities where subject = 'id-owner@acme.test'`)
			).toEqual([]);
		});

		it('accepts either certificate of a rotation, and no other', async () => {
			const id = await samlRequest();
			expect(
				refusal(
					await post(
						await idp.response({
							...base(),
							inResponseTo: id,
							user: user('newbie@acme.test'),
							key: 'b'
						})
					)
				)
			).toBe('TN449:signature');
			await runWithClaims(db, OWNER, (trx) =>
				trx
					.updateTable('sso_providers')
					.set({ idp_certificates: [certificateBody('a'), certificateBody('b')] })
					.where('id', '=', saml)
					.execute()
			);
			const id2 = await samlRequest();
			expect(
				(
					await post(
						await idp.response({
							...base(),
							inResponseTo: id2,
							user: user('newbie@acme.test'),
							key: 'b'
						})
					)
				).kind
			).toBe('signed_in');
		});

		it('takes IdP-initiated responses only when allowed, and each only once', async () => {
			const unsolicited = () => idp.response({ ...base(), user: user('newbie@acme.test') });
			expect(refusal(await post(await unsolicited()))).toBe('TN449:in_response_to');
			await runWithClaims(db, OWNER, (trx) =>
				trx
					.updateTable('sso_providers')
					.set({ allow_idp_initiated: true })
					.where('id', '=', saml)
					.execute()
			);
			const response = await unsolicited();
			expect((await post(response)).kind).toBe('signed_in');
			expect(refusal(await post(response))).toBe('TN449:replay');
		});

		it('refuses an IdP of another tenant asserting an address of this tenant’s domain', async () => {
			const id = await samlRequest(globexSaml);
			const outcome = await post(
				await idp.response({
					...base(globexSaml),
					inResponseTo: id,
					user: user('mallory@acme.test')
				}),
				globexSaml
			);
			expect(refusal(outcome)).toBe('TN441:domain');
			expect(await q(`select 1 from public.profiles where email = 'mallory@acme.test'`)).toEqual(
				[]
			);
		});

		it('never links an existing account silently; the signed-in account links it', async () => {
			const id = await samlRequest();
			const refused = await post(
				await idp.response({ ...base(), inResponseTo: id, user: user('owner@acme.test') })
			);
			expect(refusal(refused)).toBe('TN442:account');
			const id2 = await samlRequest(saml, 'link', 'a0000000-0000-4000-8000-000000000012');
			expect(
				refusal(
					await post(
						await idp.response({ ...base(), inResponseTo: id2, user: user('owner@acme.test') })
					)
				)
			).toBe('TN442:account');
			const id3 = await samlRequest(saml, 'link', OWNER.sub);
			const linked = await post(
				await idp.response({
					...base(),
					inResponseTo: id3,
					user: {
						...user('owner@acme.test'),
						authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor'
					}
				})
			);
			expect(linked.kind === 'signed_in' && linked.session.user.id).toBe(OWNER.sub);
			expect(linked.kind === 'signed_in' && linked.session.aal).toBe('aal2');
			expect(linked.kind === 'signed_in' && linked.linked).toBe(true);
			expect(await roleOf(ACME, 'owner@acme.test')).toEqual([]);
		});

		it('signs in the account the tenant’s SCIM made (a verified path); no other tenant’s SCIM makes one', async () => {
			/** A User provisioned through the SCIM RPC with a new token of the tenant, as the function calls it. */
			const provision = async (tenant: string, slug: string, userName: string) => {
				const [made] = await q<{ token: string }>(
					`select t.token from private.scim_new_token($1, 'sso test', null) t`,
					[tenant]
				);
				await q(
					`select public.scim_put(extensions.digest($1, 'sha256'), $2, 'User', null, $3::jsonb, null)`,
					[made!.token, slug, JSON.stringify({ userName })]
				);
			};
			await provision(ACME, 'acme', 'provisioned@acme.test');
			const [account] = await q<{ id: string }>(
				`select id from auth.users where email = 'provisioned@acme.test' and encrypted_password = ''`
			);
			expect(account, 'SCIM made the account').toBeDefined();
			const id = await samlRequest();
			const outcome = await post(
				await idp.response({ ...base(), inResponseTo: id, user: user('provisioned@acme.test') })
			);
			expect(outcome.kind === 'signed_in' && outcome.session.user.id).toBe(account!.id);
			expect(await roleOf(ACME, 'provisioned@acme.test')).toEqual(['viewer']);

			// Globex's SCIM makes no account of an address of Acme's verified domain.
			await provision(GLOBEX, 'globex', 'elsewhere@acme.test');
			expect(await q(`select 1 from auth.users where email = 'elsewhere@acme.test'`)).toEqual([]);
		});

		it('tests the connection without signing anyone in', async () => {
			const id = await samlRequest(saml, 'test');
			const outcome = await post(
				await idp.response({ ...base(), inResponseTo: id, user: user('tester@acme.test') })
			);
			expect(outcome.kind).toBe('tested');
			if (outcome.kind !== 'tested') return;
			expect(outcome.identity.checks).toContain('replay');
			expect(outcome.account).toMatch(/new account/);
			expect(await q(`select 1 from public.profiles where email = 'tester@acme.test'`)).toEqual([]);
		});

		it('signs its AuthnRequests with the SP key it advertises; the IdP refuses tampered and unsigned ones', async () => {
			const metadata = (await samlSpMetadata(db, config, saml))!;
			expect(metadata).toMatch(/AuthnRequestsSigned="true"/);
			const cert = /<KeyDescriptor use="signing">[\s\S]*?<(?:ds:)?X509Certificate>([^<]+)</.exec(
				metadata
			)?.[1];
			expect(cert, 'the SP metadata carries its signing certificate').toBeTruthy();
			const pem = `-----BEGIN CERTIFICATE-----\n${cert!.replace(/\s+/g, '').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
			// The key is the provider's owned secret, encrypted, the same on every use.
			expect(await samlSpMetadata(db, config, saml)).toContain(cert!);
			const stored = await q<{ n: number }>(
				`select count(*)::int as n from public.secrets
				  where owner_type = 'sso_provider' and owner_id = $1 and name = 'sp_signing_key'`,
				[saml]
			);
			expect(stored[0]!.n).toBe(1);
			const plain = await q<{ n: number }>(
				`select count(*)::int as n from public.secret_versions v join public.secrets s on s.id = v.secret_id
				  where s.owner_id = $1 and v.ciphertext like '%PRIVATE KEY%'`,
				[saml]
			);
			expect(plain[0]!.n).toBe(0);

			const url = (await startSso(db, config, saml, { purpose: 'signin' }))!;
			const sent = new URL(url);
			expect(sent.searchParams.get('SigAlg')).toBe(
				'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
			);
			expect(
				createVerify('RSA-SHA256')
					.update(sent.search.slice(1).replace(/&Signature=[^&]*/, ''))
					.verify(new X509Certificate(pem).publicKey, sent.searchParams.get('Signature')!, 'base64')
			).toBe(true);

			idp.requireSignedRequests([metadata]);
			try {
				expect(await idp.checkRequest(url)).toBeNull();
				expect((await fetch(url)).status).toBe(200);

				const unsigned = new URL(url);
				unsigned.searchParams.delete('Signature');
				unsigned.searchParams.delete('SigAlg');
				expect(await idp.checkRequest(unsigned.href)).toMatch(/ERR_MISSING_SIG_ALG/);
				expect((await fetch(unsigned)).status).toBe(403);

				const xml = inflateRawSync(Buffer.from(sent.searchParams.get('SAMLRequest')!, 'base64'))
					.toString()
					.replace(
						/AssertionConsumerServiceURL="[^"]+"/,
						'AssertionConsumerServiceURL="http://evil.test/acs"'
					);
				const tampered = url.replace(
					/SAMLRequest=[^&]+/,
					`SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'))}`
				);
				expect(await idp.checkRequest(tampered)).toMatch(
					/ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION/
				);
				expect((await fetch(tampered)).status).toBe(403);

				// Another provider's key does not sign for this one.
				const other = (await startSso(db, config, globexSaml, { purpose: 'test' }))!;
				const forged = url.replace(/&Signature=[^&]*/, /&Signature=[^&]*/.exec(other)![0]);
				expect((await fetch(forged)).status).toBe(403);
			} finally {
				idp.requireSignedRequests([]);
			}
		});
	});

	describe('OIDC', () => {
		/** Follows the OP's redirects (keeping its cookies) until it sends the browser back to us. */
		async function authorize(start: string): Promise<URL> {
			const jar = new Map<string, string>();
			let url = start;
			for (let i = 0; i < 10; i++) {
				if (url.startsWith(PUBLIC_URL)) return new URL(url);
				const res = await fetch(url, {
					redirect: 'manual',
					headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') }
				});
				for (const c of res.headers.getSetCookie()) {
					const [pair] = c.split(';');
					const [k, v] = pair!.split('=');
					jar.set(k!, v ?? '');
				}
				const location = res.headers.get('location');
				if (!location) throw new Error(`The OP answered ${res.status}: ${await res.text()}`);
				url = new URL(location, url).toString();
			}
			throw new Error('Too many redirects');
		}

		it('signs a new person in with PKCE, state and nonce, and refuses the same answer twice', async () => {
			op.nextUser = {
				sub: 'op-user-1',
				email: 'newcomer@globex.test',
				name: 'New Comer',
				groups: []
			};
			const start = (await startSso(db, config, oidc, { purpose: 'signin' }))!;
			const params = new URL(start).searchParams;
			expect(params.get('code_challenge_method')).toBe('S256');
			expect(params.get('nonce')).toBeTruthy();
			const back = await authorize(start);
			const outcome = await finishOidc(db, config, auth, oidc, back);
			expect(outcome.kind === 'signed_in' && outcome.session.user.email).toBe(
				'newcomer@globex.test'
			);
			expect(outcome.kind === 'signed_in' && outcome.tenantSlug).toBe('globex');
			expect(await roleOf(GLOBEX, 'newcomer@globex.test')).toEqual(['viewer']);
			expect(refusal(await finishOidc(db, config, auth, oidc, back))).toBe('TN449:in_response_to');
		});

		it('refuses an answer to a request we never sent, and a code stolen into another request', async () => {
			const forged = new URL(oidcRedirectUrl(PUBLIC_URL, oidc));
			forged.search = '?code=abc&state=not-ours';
			expect(refusal(await finishOidc(db, config, auth, oidc, forged))).toBe(
				'TN449:in_response_to'
			);
			op.nextUser = { sub: 'op-user-1', email: 'newcomer@globex.test' };
			const stolen = await authorize((await startSso(db, config, oidc, { purpose: 'signin' }))!);
			const mine = new URL((await startSso(db, config, oidc, { purpose: 'signin' }))!);
			const swapped = new URL(stolen);
			swapped.searchParams.set('state', mine.searchParams.get('state')!);
			const outcome = await finishOidc(db, config, auth, oidc, swapped);
			expect(outcome.kind).toBe('refused');
		});

		it('refuses an OP asserting an address outside its domains', async () => {
			op.nextUser = { sub: 'op-mallory', email: 'mallory@acme.test' };
			const back = await authorize((await startSso(db, config, oidc, { purpose: 'signin' }))!);
			expect(refusal(await finishOidc(db, config, auth, oidc, back))).toBe('TN441:domain');
		});
	});

	describe('enforcement', () => {
		it('refuses password sign-in for the served domain when enforced, except break-glass owners', async () => {
			expect(await passwordRefused(db, 'admin@acme.test')).toBe(false);
			await runWithClaims(db, OWNER, (trx) =>
				trx
					.insertInto('sso_settings')
					.values({ tenant_id: ACME, enforce_sso: true, break_glass_user_ids: [OWNER.sub] })
					.onConflict((oc) =>
						oc
							.column('tenant_id')
							.doUpdateSet({ enforce_sso: true, break_glass_user_ids: [OWNER.sub] })
					)
					.execute()
			);
			expect(await passwordRefused(db, 'admin@acme.test')).toBe(true);
			expect(await passwordRefused(db, 'owner@acme.test')).toBe(false);
			expect(await passwordRefused(db, 'owner@globex.test')).toBe(false);
		});
	});
});
