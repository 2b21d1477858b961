/**
 * /api/v1/sso/* and /api/v1/scim/* (decision 0018) against the app as `npm start` runs it,
 * through the typed client generated from the OpenAPI document, every response checked against the
 * document (tests/support/api.ts). Acme is put on the Business plan in this app's own database
 * (the seed keeps it on Pro); Umbrella stays on Pro for the plan refusals. Covered: a person with a
 * session or a bearer token manages providers, their domains and mapping, and SCIM tokens; an API
 * key is refused (TN212: sso.manage and scim.manage are person-only); a developer is refused
 * (TN002); the plan refuses (TN584, TN585 → 403); another tenant's ids are a 404; bad input
 * names its field; secrets (OIDC client secret, SCIM token) are never answered after creation.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { API_ERROR_MESSAGES, DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { accessToken, ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';
import { certificateBody } from '../support/idp/saml';
import { putOnPlan } from '../support/plans';

const PASSWORD = 'password123!';
const ACME_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
const SEED_PROVIDER = '5d000000-0000-4000-8000-000000000001';
const SEED_SCIM_TOKEN = 'f5000000-0000-4000-8000-000000000001';
const checker = new ResponseChecker();

function expectProblem(error: unknown, status: number, code: string) {
	expect(error).toMatchObject({ status, code });
	const catalogue =
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message;
	expect((error as { title: string }).title).toBe(catalogue);
	return error as { errors?: { field: string; message: string }[] };
}

describe('REST API v1: single sign-on and SCIM configuration', () => {
	let app: App;
	let db: pg.Client;
	let owner: ApiClient;
	let ownerToken: ApiClient;
	let dev: ApiClient;
	let key: ApiClient;
	let globex: ApiClient;
	let umbrella: ApiClient;
	let acmeDomain: string;
	let pendingDomain: string;
	let globexDomain: string;
	let samlId: string;

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0' });
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		await putOnPlan((text, params) => db.query(text, params), 'acme');
		const domains = await db.query<{ id: string; domain: string }>(
			`insert into public.tenant_domains (tenant_id, domain)
			 select id, 'pending.acme.test' from public.tenants where slug = 'acme'
			 returning id, domain`
		);
		pendingDomain = domains.rows[0]!.id;
		const all = await db.query<{ id: string; domain: string }>(
			`select id, domain from public.tenant_domains where domain in ('acme.example.com', 'portal.globex.example')`
		);
		acmeDomain = all.rows.find((r) => r.domain === 'acme.example.com')!.id;
		globexDomain = all.rows.find((r) => r.domain === 'portal.globex.example')!.id;
		const cookies = await signInCookies(app, 'owner@acme.test', PASSWORD);
		owner = checker.client(app.url, { cookie: cookies, 'tenantry-tenant': 'acme' });
		ownerToken = checker.client(app.url, {
			authorization: `Bearer ${accessToken(cookies)}`,
			'tenantry-tenant': 'acme'
		});
		dev = checker.client(app.url, {
			cookie: await signInCookies(app, 'dev@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		key = checker.client(app.url, { authorization: `Bearer ${ACME_KEY}` });
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
		umbrella = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@umbrella.test', PASSWORD),
			'tenantry-tenant': 'umbrella'
		});
	}, 240_000);

	afterAll(async () => {
		await db?.end();
		await app?.stop();
	});

	describe('identity providers', () => {
		it('lists the seeded provider to a person with sso.manage, by session and by bearer token', async () => {
			for (const client of [owner, ownerToken]) {
				const list = await client.GET('/api/v1/sso/providers', { params: { query: {} } });
				expect(list.response.status).toBe(200);
				const seeded = list.data!.data.find((p) => p.id === SEED_PROVIDER)!;
				expect(seeded).toMatchObject({
					kind: 'oidc',
					enabled: false,
					oidc_issuer: 'https://login.acme.example',
					group_roles: { engineers: 'developer' },
					domains: [{ id: acmeDomain, domain: 'acme.example.com' }]
				});
				expect(seeded.sp.redirect_uri).toMatch(new RegExp(`/auth/sso/${SEED_PROVIDER}/callback$`));
				expect(seeded).not.toHaveProperty('client_secret');
			}
		});

		it('refuses an API key (person-only: TN212) and a developer (TN002)', async () => {
			const byKey = await key.GET('/api/v1/sso/providers', { params: { query: {} } });
			expectProblem(byKey.error, 403, 'TN212');
			const keyCreate = await key.POST('/api/v1/sso/providers', {
				body: { kind: 'oidc', name: 'Key IdP', issuer: 'https://k.example', client_id: 'k' }
			});
			expectProblem(keyCreate.error, 403, 'TN212');
			const byDev = await dev.GET('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: SEED_PROVIDER } }
			});
			expectProblem(byDev.error, 403, 'TN002');
			const devEnable = await dev.POST('/api/v1/sso/providers/{provider}/enable', {
				params: { path: { provider: SEED_PROVIDER } }
			});
			expectProblem(devEnable.error, 403, 'TN002');
		});

		it('adds a SAML provider by hand, changes it, maps it, and rotates its certificates', async () => {
			const created = await owner.POST('/api/v1/sso/providers', {
				body: {
					kind: 'saml',
					name: 'Okta SAML',
					entity_id: 'http://127.0.0.1:9/metadata',
					sso_url: 'http://127.0.0.1:9/sso',
					certificates: [certificateBody('a')]
				}
			});
			expect(created.response.status).toBe(201);
			samlId = created.data!.id;
			expect(created.data).toMatchObject({
				kind: 'saml',
				enabled: true,
				certificate_count: 1,
				idp_entity_id: 'http://127.0.0.1:9/metadata'
			});
			expect(created.data!.sp.acs_url).toMatch(new RegExp(`/auth/sso/${samlId}/acs$`));
			expect(created.data!.sp.entity_id).toMatch(new RegExp(`/auth/sso/${samlId}/metadata$`));

			const rotated = await ownerToken.PATCH('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: samlId } },
				body: {
					name: 'Okta',
					certificates: [certificateBody('a'), certificateBody('b')],
					allow_idp_initiated: true
				}
			});
			expect(rotated.data).toMatchObject({
				name: 'Okta',
				certificate_count: 2,
				allow_idp_initiated: true
			});

			const mapped = await owner.PATCH('/api/v1/sso/providers/{provider}/mapping', {
				params: { path: { provider: samlId } },
				body: {
					group_roles: { engineers: 'developer', auditors: 'viewer' },
					mfa_contexts: ['urn:oasis:names:tc:SAML:2.0:ac:classes:X509'],
					email_attribute: 'mail'
				}
			});
			expect(mapped.data).toMatchObject({
				group_roles: { engineers: 'developer', auditors: 'viewer' },
				mfa_contexts: ['urn:oasis:names:tc:SAML:2.0:ac:classes:X509'],
				email_attribute: 'mail'
			});

			const owned = await owner.PATCH('/api/v1/sso/providers/{provider}/mapping', {
				params: { path: { provider: samlId } },
				body: { group_roles: { bosses: 'owner' } }
			});
			const problem = expectProblem(owned.error, 422, 'TN444');
			expect(problem.errors?.[0]?.field).toBe('body.group_roles');

			const wrongKind = await owner.PATCH('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: samlId } },
				body: { client_secret: 'nope' }
			});
			expect(expectProblem(wrongKind.error, 400, 'TN220').errors?.[0]?.field).toBe(
				'body.client_secret'
			);
		});

		it('keeps an OIDC client secret write-only', async () => {
			const created = await owner.POST('/api/v1/sso/providers', {
				body: {
					kind: 'oidc',
					name: 'Entra',
					issuer: 'https://login.entra.example',
					client_id: 'tenantry-rest',
					client_secret: 'very-secret-client-value-1'
				}
			});
			expect(created.response.status).toBe(201);
			expect(created.data!.has_client_secret).toBe(true);
			expect(created.data!.sp.redirect_uri).toMatch(/\/callback$/);
			const changed = await owner.PATCH('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: created.data!.id } },
				body: { client_secret: 'very-secret-client-value-2' }
			});
			expect(changed.response.status).toBe(200);
			const list = await owner.GET('/api/v1/sso/providers', { params: { query: {} } });
			const text = JSON.stringify([created.data, changed.data, list.data]);
			expect(text).not.toContain('very-secret-client-value');
			const versions = await db.query<{ n: number }>(
				`select count(*)::int as n from public.secret_versions v
				   join public.secrets s on s.id = v.secret_id
				  where s.owner_type = 'sso_provider' and s.owner_id = $1`,
				[created.data!.id]
			);
			expect(versions.rows[0]!.n).toBe(2);
			const removed = await owner.DELETE('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: created.data!.id } }
			});
			expect(removed.response.status).toBe(204);
			const gone = await owner.GET('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: created.data!.id } }
			});
			expectProblem(gone.error, 404, 'TN230');
		});

		it('serves verified domains only, moves them between providers, and stops serving', async () => {
			const moved = await owner.POST('/api/v1/sso/providers/{provider}/domains', {
				params: { path: { provider: samlId } },
				body: { domain_id: acmeDomain }
			});
			expect(moved.data!.domains).toEqual([{ id: acmeDomain, domain: 'acme.example.com' }]);
			const seeded = await owner.GET('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: SEED_PROVIDER } }
			});
			expect(seeded.data!.domains).toEqual([]);

			const unverified = await owner.POST('/api/v1/sso/providers/{provider}/domains', {
				params: { path: { provider: samlId } },
				body: { domain_id: pendingDomain }
			});
			expect(expectProblem(unverified.error, 422, 'TN440').errors?.[0]?.field).toBe('body.domain');
			const foreign = await owner.POST('/api/v1/sso/providers/{provider}/domains', {
				params: { path: { provider: samlId } },
				body: { domain_id: globexDomain }
			});
			expectProblem(foreign.error, 404, 'TN230');
			const notAnId = await owner.POST('/api/v1/sso/providers/{provider}/domains', {
				params: { path: { provider: samlId } },
				body: { domain_id: 'acme.example.com' }
			});
			expect(expectProblem(notAnId.error, 400, 'TN220').errors?.[0]?.field).toBe('body.domain_id');

			const wrongProvider = await owner.DELETE(
				'/api/v1/sso/providers/{provider}/domains/{domain}',
				{
					params: { path: { provider: SEED_PROVIDER, domain: acmeDomain } }
				}
			);
			expectProblem(wrongProvider.error, 404, 'TN230');
			const stopped = await owner.DELETE('/api/v1/sso/providers/{provider}/domains/{domain}', {
				params: { path: { provider: samlId, domain: acmeDomain } }
			});
			expect(stopped.response.status).toBe(204);
		});

		it('turns providers off and on', async () => {
			const off = await owner.POST('/api/v1/sso/providers/{provider}/disable', {
				params: { path: { provider: samlId } }
			});
			expect(off.data!.enabled).toBe(false);
			const on = await owner.POST('/api/v1/sso/providers/{provider}/enable', {
				params: { path: { provider: samlId } }
			});
			expect(on.data!.enabled).toBe(true);
		});

		it('answers another tenant’s provider as none (404) and leaves it unchanged', async () => {
			for (const call of [
				globex.GET('/api/v1/sso/providers/{provider}', { params: { path: { provider: samlId } } }),
				globex.PATCH('/api/v1/sso/providers/{provider}', {
					params: { path: { provider: samlId } },
					body: { name: 'Hijacked' }
				}),
				globex.POST('/api/v1/sso/providers/{provider}/disable', {
					params: { path: { provider: samlId } }
				}),
				globex.DELETE('/api/v1/sso/providers/{provider}', {
					params: { path: { provider: samlId } }
				})
			]) {
				expectProblem((await call).error, 404, 'TN230');
			}
			const list = await globex.GET('/api/v1/sso/providers', { params: { query: {} } });
			expect(list.data!.data.map((p) => p.id)).not.toContain(samlId);
			const still = await owner.GET('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: samlId } }
			});
			expect(still.data).toMatchObject({ name: 'Okta', enabled: true });
		});

		it('refuses bad input naming the field', async () => {
			const noName = await owner.POST('/api/v1/sso/providers', {
				body: { kind: 'oidc', name: '', issuer: 'ftp://x', client_id: 'c' }
			});
			const fields = expectProblem(noName.error, 400, 'TN220').errors!.map((e) => e.field);
			expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.issuer']));
			const noMetadata = await owner.POST('/api/v1/sso/providers', {
				body: { kind: 'saml', name: 'Half' }
			});
			expect(expectProblem(noMetadata.error, 400, 'TN220').errors?.[0]?.field).toBe(
				'body.metadata_xml'
			);
			const badXml = await owner.POST('/api/v1/sso/providers', {
				body: { kind: 'saml', name: 'Bad', metadata_xml: '<EntityDescriptor/>' }
			});
			expect(expectProblem(badXml.error, 400, 'TN220').errors?.[0]).toEqual({
				field: 'body.metadata_xml',
				message: 'The metadata names no entityID.'
			});
			const taken = await owner.POST('/api/v1/sso/providers', {
				body: { kind: 'oidc', name: 'okta', issuer: 'https://x.example', client_id: 'c' }
			});
			expectProblem(taken.error, 409, '23505');
			const badId = await owner.GET('/api/v1/sso/providers/{provider}', {
				params: { path: { provider: 'not-a-uuid' } }
			});
			expect(expectProblem(badId.error, 400, 'TN220').errors?.[0]?.field).toBe('path.provider');
		});

		it('refuses a provider on a plan without sso (TN584, 403)', async () => {
			const refused = await umbrella.POST('/api/v1/sso/providers', {
				body: { kind: 'oidc', name: 'Umbrella IdP', issuer: 'https://u.example', client_id: 'u' }
			});
			expectProblem(refused.error, 403, 'TN584');
			expect((refused.error as { title: string }).title).toMatch(/Business plan/);
		});
	});

	describe('SCIM tokens and the operation log', () => {
		let tokenId: string;
		let secret: string;

		it('makes a token answered once, lists it without its secret, and stores only its hash', async () => {
			const created = await owner.POST('/api/v1/scim/tokens', { body: { name: 'Entra ID' } });
			expect(created.response.status).toBe(201);
			tokenId = created.data!.id;
			secret = created.data!.token;
			expect(secret).toMatch(/^tnt_scim_/);
			expect(created.data!.base_url).toMatch(/\/functions\/v1\/scim\/acme\/v2$/);
			const list = await ownerToken.GET('/api/v1/scim/tokens', { params: { query: {} } });
			expect(list.data!.data.map((t) => t.id)).toEqual(
				expect.arrayContaining([tokenId, SEED_SCIM_TOKEN])
			);
			expect(JSON.stringify(list.data)).not.toContain(secret);
			expect(JSON.stringify(list.data)).not.toContain(secret.slice(12));
			const stored = await db.query<{ hash: boolean }>(
				`select token_hash = extensions.digest($2, 'sha256') as hash from public.scim_tokens where id = $1`,
				[tokenId, secret]
			);
			expect(stored.rows[0]!.hash).toBe(true);
		});

		it('rotates (the old one revoked at once) and revokes', async () => {
			const rotated = await owner.POST('/api/v1/scim/tokens/{token}/rotate', {
				params: { path: { token: tokenId } }
			});
			expect(rotated.response.status).toBe(201);
			expect(rotated.data!.token).not.toBe(secret);
			expect(rotated.data!.name).toBe('Entra ID');
			const again = await owner.POST('/api/v1/scim/tokens/{token}/rotate', {
				params: { path: { token: tokenId } }
			});
			expectProblem(again.error, 404, 'TN467');
			const list = await owner.GET('/api/v1/scim/tokens', { params: { query: {} } });
			expect(list.data!.data.find((t) => t.id === tokenId)!.revoked_at).not.toBeNull();
			const revoked = await owner.DELETE('/api/v1/scim/tokens/{token}', {
				params: { path: { token: rotated.data!.id } }
			});
			expect(revoked.response.status).toBe(204);
			const after = await owner.GET('/api/v1/scim/tokens', { params: { query: {} } });
			expect(after.data!.data.find((t) => t.id === rotated.data!.id)!.revoked_at).not.toBeNull();
		});

		it('reads the operation log newest first, by pages, failures only on request', async () => {
			const first = await owner.GET('/api/v1/scim/operations', {
				params: { query: { limit: 2 } }
			});
			expect(first.data!.data).toHaveLength(2);
			expect(first.data!.data[0]).toMatchObject({ method: 'GET', path: '/v2/Users', status: 200 });
			expect(first.data!.data[0]!.token_name).toBe('Okta (demo)');
			const rest = await owner.GET('/api/v1/scim/operations', {
				params: { query: { limit: 2, cursor: first.data!.next_cursor! } }
			});
			expect(rest.data!.data).toHaveLength(2);
			expect(rest.data!.next_cursor).toBeNull();
			const ids = [...first.data!.data, ...rest.data!.data].map((o) => Number(o.id));
			expect(ids).toEqual([...ids].sort((a, b) => b - a));
			const failed = await owner.GET('/api/v1/scim/operations', {
				params: { query: { failed: 'true' } }
			});
			expect(failed.data!.data.map((o) => o.status)).toEqual([409]);
			const badCursor = await owner.GET('/api/v1/scim/operations', {
				params: { query: { cursor: 'nonsense' } }
			});
			expect(expectProblem(badCursor.error, 400, 'TN220').errors?.[0]?.field).toBe('query.cursor');
		});

		it('refuses an API key, a developer, another tenant, and a plan without scim', async () => {
			expectProblem(
				(await key.GET('/api/v1/scim/tokens', { params: { query: {} } })).error,
				403,
				'TN212'
			);
			expectProblem(
				(await key.GET('/api/v1/scim/operations', { params: { query: {} } })).error,
				403,
				'TN212'
			);
			expectProblem(
				(await dev.POST('/api/v1/scim/tokens', { body: { name: 'Mine' } })).error,
				403,
				'TN002'
			);
			for (const call of [
				globex.POST('/api/v1/scim/tokens/{token}/rotate', {
					params: { path: { token: SEED_SCIM_TOKEN } }
				}),
				globex.DELETE('/api/v1/scim/tokens/{token}', {
					params: { path: { token: SEED_SCIM_TOKEN } }
				})
			]) {
				expectProblem((await call).error, 404, 'TN230');
			}
			const globexLog = await globex.GET('/api/v1/scim/operations', { params: { query: {} } });
			expect(globexLog.data!.data.every((o) => o.token_id !== SEED_SCIM_TOKEN)).toBe(true);
			const seed = await db.query<{ revoked: boolean }>(
				`select revoked_at is not null as revoked from public.scim_tokens where id = $1`,
				[SEED_SCIM_TOKEN]
			);
			expect(seed.rows[0]!.revoked).toBe(false);
			const pro = await umbrella.POST('/api/v1/scim/tokens', { body: { name: 'Umbrella Okta' } });
			expectProblem(pro.error, 403, 'TN585');
			const empty = await owner.POST('/api/v1/scim/tokens', { body: { name: '  ' } });
			expect(expectProblem(empty.error, 400, 'TN220').errors?.[0]?.field).toBe('body.name');
		});
	});
});
