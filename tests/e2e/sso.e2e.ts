/**
 * Single sign-on in Chromium, against real identity providers on loopback (tests/support/idp/: a
 * samlify SAML IdP and panva's oidc-provider), with one browser context: Acme's owner signs in
 * once and adds both providers on the settings page (SAML by hand, OIDC with an issuer and a
 * client secret) and gives each a verified domain; then, signed out, a new person of each domain
 * goes to sign-in, "Continue with SSO", is sent to the IdP (whose page posts the SAML response
 * back; the OP's login is automatic), and comes back signed in to Acme, provisioned. Refusals are
 * sentences: an OP asserting an address outside its domains (TN441), and a provider turned off.
 */
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidcRedirectUrl } from '../../src/lib/server/sso/urls';
import { freePort, startApp, type App } from '../support/app';
import { putOnPlan } from '../support/plans';
import { startOidcProvider, type OidcOp } from '../support/idp/oidc';
import { certificateBody, startSamlIdp, type SamlIdp } from '../support/idp/saml';
import { launchBrowser, open, screenshot, signIn, toast } from './harness';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const PAGE = '/t/acme/settings/sso';
const pem = `-----BEGIN CERTIFICATE-----\n${certificateBody('a')}\n-----END CERTIFICATE-----`;

describe('single sign-on in the browser', () => {
	let app: App;
	let db: pg.Client;
	let idp: SamlIdp;
	let op: OidcOp | undefined;
	let opPort: number;
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;

	beforeAll(async () => {
		idp = await startSamlIdp();
		opPort = await freePort();
		app = await startApp({ SSO_ALLOW_LOOPBACK: 'true' });
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		// SSO needs the Business plan; the seed puts Acme on Pro.
		await putOnPlan((text, params) => db.query(text, params), 'acme');
		await db.query(
			`insert into public.tenant_domains (tenant_id, domain, verified_at)
			 values ($1, 'saml.acme.test', now()), ($1, 'oidc.acme.test', now())`,
			[ACME]
		);
		browser = await launchBrowser();
		page = await signIn(browser, app.url, 'owner@acme.test');
		context = page.context();
	}, 300_000);
	afterAll(async () => {
		await browser?.close();
		await db?.end();
		await op?.close();
		await idp?.close();
		await app?.stop();
	});

	const provider = (name: string) =>
		page.getByRole('listitem').filter({ has: page.getByRole('heading', { name, level: 3 }) });

	async function serve(name: string, domain: string) {
		const item = provider(name);
		await item.getByLabel('Serve a verified domain').selectOption({ label: domain });
		await item.getByRole('button', { name: 'Serve', exact: true }).click();
		await toast(page, 'Sign-in by addresses of that domain now goes to this identity provider.')
			.first()
			.waitFor();
		await expect
			.poll(() => item.getByRole('button', { name: `Stop serving ${domain}` }).count())
			.toBe(1);
	}

	/** Signed out: sign-in → "Continue with SSO" → the IdP → back, signed in. */
	async function continueWithSso(email: string) {
		await context.clearCookies();
		await open(page, '/auth/sign-in');
		await page.getByRole('link', { name: 'Continue with SSO' }).click();
		await page.getByRole('heading', { name: 'Continue with SSO' }).waitFor();
		await page.getByLabel('Work email').fill(email);
		await page.getByRole('button', { name: 'Continue with SSO' }).click();
	}

	const membership = async (email: string) =>
		(
			await db.query<{ status: string; provider: string }>(
				`select m.status, p.name as provider
				   from public.memberships m
				   join public.profiles u on u.id = m.user_id
				   join public.user_identities i on i.user_id = u.id
				   join public.sso_providers p on p.id = i.provider_id
				  where m.tenant_id = $1 and u.email = $2`,
				[ACME, email]
			)
		).rows;

	it('adds a SAML and an OIDC provider on the settings page and gives each a domain', async () => {
		await open(page, PAGE);
		await page.getByRole('heading', { name: 'Single sign-on', level: 1 }).waitFor();

		const saml = page.locator('form', {
			has: page.getByRole('button', { name: 'Add SAML provider' })
		});
		await saml.getByLabel('Name', { exact: true }).fill('Test SAML IdP');
		await saml.getByLabel('Or by hand: IdP entity id').fill(idp.entityId);
		await saml.getByLabel('IdP SSO URL').fill(idp.ssoUrl);
		await saml.getByLabel('IdP signing certificate (PEM)').fill(pem);
		await saml.getByRole('button', { name: 'Add SAML provider' }).click();
		await toast(page, 'Test SAML IdP was added.').waitFor();
		await serve('Test SAML IdP', 'saml.acme.test');

		const oidc = page.locator('form', {
			has: page.getByRole('button', { name: 'Add OIDC provider' })
		});
		await oidc.getByLabel('Name', { exact: true }).fill('Test OpenID Provider');
		await oidc.getByLabel('Issuer').fill(`http://127.0.0.1:${opPort}`);
		await oidc.getByLabel('Client id').fill('tenantry-test');
		await oidc
			.getByLabel('Client secret')
			.fill('test-client-secret-that-is-long-enough-0123456789');
		await oidc.getByRole('button', { name: 'Add OIDC provider' }).click();
		await toast(page, 'Test OpenID Provider was added.').waitFor();
		await serve('Test OpenID Provider', 'oidc.acme.test');
		await expect
			.poll(() => provider('Test OpenID Provider').getByText('kept as an encrypted secret').count())
			.toBe(1);

		// The OP learns the redirect URI the page shows for the new provider.
		const redirect = (
			await provider('Test OpenID Provider').locator('dd code').first().textContent()
		)?.trim();
		const { rows } = await db.query<{ id: string }>(
			`select id from public.sso_providers where name = 'Test OpenID Provider'`
		);
		expect(redirect).toBe(oidcRedirectUrl(app.url, rows[0]!.id));
		op = await startOidcProvider({ redirectUris: [redirect!], port: opPort });
	});

	it('signs a new person in through the SAML IdP (SP-initiated, HTTP-POST back)', async () => {
		// The IdP wants signed AuthnRequests, checked against the SP metadata we publish.
		const { rows } = await db.query<{ id: string }>(
			`select id from public.sso_providers where name = 'Test SAML IdP'`
		);
		const metadata = await (await fetch(`${app.url}/auth/sso/${rows[0]!.id}/metadata`)).text();
		expect(metadata).toContain('AuthnRequestsSigned="true"');
		idp.requireSignedRequests([metadata]);
		idp.nextUser = {
			nameId: 'sam-1',
			email: 'sam@saml.acme.test',
			name: 'Sam Saml'
		};
		await continueWithSso('sam@saml.acme.test');
		await page.waitForURL(`${app.url}/t/acme`);
		expect(idp.lastRequest?.acs).toMatch(/\/auth\/sso\/[0-9a-f-]{36}\/acs$/);
		await page.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();
		expect(await membership('sam@saml.acme.test')).toEqual([
			{ status: 'active', provider: 'Test SAML IdP' }
		]);
	});

	it('signs a new person in through the OpenID Provider (code with PKCE)', async () => {
		op!.nextUser = { sub: 'olive-1', email: 'olive@oidc.acme.test', name: 'Olive Oidc' };
		await continueWithSso('olive@oidc.acme.test');
		await page.waitForURL(`${app.url}/t/acme`);
		await page.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();
		expect(await membership('olive@oidc.acme.test')).toEqual([
			{ status: 'active', provider: 'Test OpenID Provider' }
		]);
	});

	it('says why it refuses: an address outside the provider’s domains, a provider turned off', async () => {
		op!.nextUser = { sub: 'mallory-1', email: 'mallory@saml.acme.test' };
		await continueWithSso('someone@oidc.acme.test');
		await page.waitForURL(/\/auth\/sso\?error=TN441/);
		await page.getByText('Failed check:').waitFor();
		expect(await page.getByRole('alert').first().textContent()).toMatch(/\.\s*$/);
		expect(await membership('mallory@saml.acme.test')).toEqual([]);

		await db.query(`update public.sso_providers set enabled = false where name = $1`, [
			'Test OpenID Provider'
		]);
		await page.getByLabel('Work email').fill('olive@oidc.acme.test');
		await page.getByRole('button', { name: 'Continue with SSO' }).click();
		await page
			.getByText(
				'No organisation signs this address in through single sign-on. Sign in with your password.'
			)
			.waitFor();
		expect(await page.getByLabel('Work email').inputValue()).toBe('olive@oidc.acme.test');
	});

	it('on the Pro plan: an upgrade prompt, adding refused with the sentence, nobody routed (390 px, light and dark)', async () => {
		const query = (text: string, params: unknown[]) => db.query(text, params);
		await putOnPlan(query, 'acme', 'pro');
		try {
			// The sign-ins above left this context signed in as someone else.
			page = await signIn(browser, app.url, 'owner@acme.test');
			await page.setViewportSize({ width: 390, height: 844 });
			for (const theme of ['light', 'dark'] as const) {
				await page.emulateMedia({ colorScheme: theme });
				await open(page, PAGE);
				await page.evaluate(
					(t) => document.documentElement.classList.toggle('dark', t === 'dark'),
					theme
				);
				const prompt = page.getByTestId('upgrade-prompt');
				await prompt.getByText('Single sign-on needs the Business plan').waitFor();
				expect(await prompt.textContent()).toContain('This organisation is on the Pro plan.');
				const { violations } = await new AxeBuilder({ page }).analyze();
				const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
				expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual(
					[]
				);
				const overflow = await page.evaluate(
					() => document.documentElement.scrollWidth - document.documentElement.clientWidth
				);
				expect(overflow, 'the page does not scroll sideways').toBeLessThanOrEqual(0);
				await screenshot(page, `sso/upgrade-${theme}-390`);
			}
			const oidc = page.locator('form', {
				has: page.getByRole('button', { name: 'Add OIDC provider' })
			});
			await oidc.getByLabel('Name', { exact: true }).fill('On Pro');
			await oidc.getByLabel('Issuer').fill('https://op.example.test');
			await oidc.getByLabel('Client id').fill('tenantry');
			await oidc
				.getByLabel('Client secret')
				.fill('test-client-secret-that-is-long-enough-0123456789');
			await oidc.getByRole('button', { name: 'Add OIDC provider' }).click();
			await page.getByText('Single sign-on needs the Business plan: upgrade').first().waitFor();
			const { rows } = await db.query(`select 1 from public.sso_providers where name = 'On Pro'`);
			expect(rows).toEqual([]);
			const routed = await db.query(`select * from private.sso_route_email('sam@saml.acme.test')`);
			expect(routed.rows).toEqual([]);
		} finally {
			await putOnPlan(query, 'acme', 'business');
		}
	});
});
