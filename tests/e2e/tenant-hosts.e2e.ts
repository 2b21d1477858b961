import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { startDnsServer, type DnsServer } from '../support/dns-server';
import { launchBrowser, screenshot, signIn } from './harness';

describe('tenant resolution by host', () => {
	let app: App;
	let browser: Browser;
	let dns: DnsServer;
	let port: string;

	beforeAll(async () => {
		dns = await startDnsServer();
		app = await startApp({ DOMAIN_DNS_SERVERS: dns.address, ALLOWED_HOSTS: 'portal.acme.test' });
		port = new URL(app.url).port;
		// Chromium resolves *.localhost to the loopback itself; the custom domain needs a rule.
		browser = await launchBrowser(['--host-resolver-rules=MAP portal.acme.test 127.0.0.1']);
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await dns?.close();
	});

	it('serves a tenant at its subdomain, and a stranger gets the same 404 there', async () => {
		const acme = await signIn(browser, `http://acme.localhost:${port}`, 'owner@acme.test');
		await acme.goto('/', { waitUntil: 'networkidle' });
		await acme.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();
		await screenshot(acme, '30-tenant-subdomain');
		await acme.getByRole('link', { name: 'Overview' }).click();
		await acme.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();

		const globex = await signIn(browser, `http://acme.localhost:${port}`, 'owner@globex.test');
		expect((await globex.goto('/'))?.status()).toBe(404);
		const foreign = await globex.locator('body').innerText();
		const nowhere = await signIn(browser, `http://nope.localhost:${port}`, 'owner@globex.test');
		expect((await nowhere.goto('/'))?.status()).toBe(404);
		expect(await nowhere.locator('body').innerText()).toBe(foreign);

		const anonymous = await (await browser.newContext()).newPage();
		await anonymous.goto(`http://acme.localhost:${port}/`);
		expect(new URL(anonymous.url()).pathname).toBe('/auth/sign-in');
	});

	it('verifies a custom domain through DNS, then serves the tenant on it', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/settings/domains', { waitUntil: 'networkidle' });
		await owner.getByLabel('Add a domain').fill('https://Portal.Acme.test/');
		await owner.getByRole('button', { name: 'Add domain' }).click();
		await owner.getByText('portal.acme.test was added').waitFor();
		const record = await owner
			.getByRole('listitem')
			.filter({ hasText: /portal\.acme\.test/ })
			.locator('code')
			.nth(1)
			.textContent();
		expect(record).toMatch(/^tenantry-verification=[0-9a-f]{32}$/);

		await owner.getByRole('button', { name: 'Check DNS' }).click();
		await owner
			.getByRole('alert')
			.getByText('No TXT record at _tenantry.portal.acme.test')
			.waitFor();
		const before = await (await browser.newContext()).newPage();
		expect((await before.goto(`http://portal.acme.test:${port}/members`))?.status()).toBe(404);
		await before.goto(`http://portal.acme.test:${port}/`);
		expect(new URL(before.url()).pathname).toBe('/');

		await owner.goto('/t/acme/settings/domains', { waitUntil: 'networkidle' });
		dns.records.set('_tenantry.portal.acme.test', [record!]);
		await owner.getByRole('button', { name: 'Check DNS' }).click();
		await owner.getByText('portal.acme.test is verified').waitFor();
		await screenshot(owner, '31-custom-domains');

		// Session cookies are Secure on every host but localhost, so a browser keeps none on plain
		// http://portal.acme.test: a person is sent to sign in — by the tenant's layout, which only
		// a verified domain reaches (before verification the same URL was the public landing page).
		const visitor = await (await browser.newContext()).newPage();
		await visitor.goto(`http://portal.acme.test:${port}/members`, { waitUntil: 'networkidle' });
		expect(new URL(visitor.url()).pathname).toBe('/auth/sign-in');
		expect(new URL(visitor.url()).searchParams.get('redirectTo')).toBe('/members');
		await screenshot(visitor, '32-custom-domain-sign-in');

		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		expect((await viewer.goto('/t/acme/settings/domains'))?.status()).toBe(403);
	});
});
