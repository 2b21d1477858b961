/**
 * Settings → Domains in Chromium (docs/domains.md), one sign-in as Acme's owner: add a domain, see
 * the DNS records to publish and copy them (the clipboard's contents checked), publish them on the
 * local DNS stand-in (tests/support/dns-server.ts, the app's DOMAIN_DNS_SERVERS) and verify, see
 * every required record ok, make the domain primary, upload a certificate made by openssl at test
 * time — a key of another certificate first, refused under the key field — and see the TLS badge.
 * The page passes axe and fits a 390-px phone, at 1440 px and 390 px in light and dark
 * (screenshots in test-results/screenshots/domains/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { certFactory, type CertFactory } from '../support/certificates';
import { startDnsServer, type DnsServer } from '../support/dns-server';
import { launchBrowser, screenshot, signIn } from './harness';

const DOMAIN = 'shop.acme.test';
const PAGE = '/t/acme/settings/domains';

async function checkPage(page: Page, name: string): Promise<void> {
	for (const width of [1440, 390]) {
		await page.setViewportSize({ width, height: 900 });
		for (const theme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme: theme });
			// Loaded afresh in the theme: a class flipped on a live page leaves badges mid-transition.
			await page.reload({ waitUntil: 'networkidle' });
			await page.evaluate(
				(t) => document.documentElement.classList.toggle('dark', t === 'dark'),
				theme
			);
			const { violations } = await new AxeBuilder({ page }).analyze();
			const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
			expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
			const overflow = await page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
			expect(overflow, `${name} does not scroll sideways at ${width} px`).toBeLessThanOrEqual(0);
			await screenshot(page, `domains/${name}-${width}-${theme}`);
		}
	}
	await page.setViewportSize({ width: 1440, height: 900 });
	await page.emulateMedia({ colorScheme: 'light' });
	await page.evaluate(() => document.documentElement.classList.remove('dark'));
}

describe('the domains page', () => {
	let app: App;
	let browser: Browser;
	let dns: DnsServer;
	let certs: CertFactory;
	let owner: Page;

	beforeAll(async () => {
		certs = certFactory();
		dns = await startDnsServer();
		app = await startApp({ DOMAIN_DNS_SERVERS: dns.address });
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
			origin: app.url
		});
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await dns?.close();
		certs?.dispose();
	});

	const item = () => owner.getByRole('listitem').filter({ hasText: DOMAIN }).first();
	const clipboard = () => owner.evaluate(() => navigator.clipboard.readText());

	it('adds a domain and shows the records to publish, each copyable', async () => {
		await owner.goto(PAGE, { waitUntil: 'networkidle' });
		await owner.getByLabel('Add a domain').fill(DOMAIN);
		await owner.getByRole('button', { name: 'Add domain' }).click();
		await owner.getByText(`${DOMAIN} was added`).waitFor();
		await item().getByText('not verified').waitFor();

		await owner.getByRole('button', { name: `Copy the record value for ${DOMAIN}` }).click();
		const txt = await clipboard();
		expect(txt).toMatch(/^tenantry-verification=[0-9a-f]{32}$/);
		await owner.getByRole('button', { name: `Copy the record name for ${DOMAIN}` }).click();
		expect(await clipboard()).toBe(`_tenantry.${DOMAIN}`);

		const records = owner.getByRole('table', { name: 'DNS records' });
		const cname = records.getByRole('row').filter({ hasText: 'CNAME' });
		await cname.getByRole('button', { name: `Copy the cname value for ${DOMAIN}` }).click();
		expect(await clipboard()).toBe('tenants.tenantry.localhost');
		await cname.getByRole('button', { name: `Copy the host for ${DOMAIN}` }).click();
		expect(await clipboard()).toBe(DOMAIN);
		const txtRow = records.getByRole('row').filter({ hasText: txt });
		await txtRow.getByRole('button', { name: `Copy the txt value for ${DOMAIN}` }).click();
		expect(await clipboard()).toBe(txt);
		await checkPage(owner, 'added');
	});

	it('verifies against the local DNS stand-in, then every required record checks out', async () => {
		await owner.goto(PAGE, { waitUntil: 'networkidle' });
		await owner.getByRole('button', { name: `Copy the record value for ${DOMAIN}` }).click();
		dns.records.set(`_tenantry.${DOMAIN}`, [await clipboard()]);
		dns.cnames.set(DOMAIN, 'tenants.tenantry.localhost');
		await item().getByRole('button', { name: 'Check DNS' }).click();
		await owner.getByText(`${DOMAIN} is verified`).waitFor();
		await item().getByText('verified', { exact: true }).waitFor();
		const records = owner.getByRole('table', { name: 'DNS records' });
		for (const type of ['CNAME', 'TXT']) {
			await expect
				.poll(() =>
					records.getByRole('row').filter({ hasText: type }).filter({ hasText: DOMAIN }).innerText()
				)
				.toMatch(/\bok\b/);
		}
		expect(dns.queries.some((q) => q.name === `_tenantry.${DOMAIN}`)).toBe(true);
	});

	it('makes the domain primary', async () => {
		await item()
			.getByRole('button', { name: `Make primary ${DOMAIN}` })
			.click();
		await owner.getByText(`${DOMAIN} is now the primary domain.`).waitFor();
		await item().getByText('primary', { exact: true }).waitFor();
	});

	it('refuses a key of another certificate under the key field, then takes the right one', async () => {
		const leaf = certs.leaf({ names: [DOMAIN] });
		const other = certs.leaf({ names: [DOMAIN] });
		const chain = `${leaf.cert.trim()}\n${certs.intermediate.cert.trim()}`;
		await owner.goto(PAGE, { waitUntil: 'networkidle' });
		await owner.getByLabel('Domain', { exact: true }).selectOption({ label: DOMAIN });
		await owner.getByLabel(/^Certificate chain/).fill(chain);
		await owner.getByLabel(/^Private key/).fill(other.key);
		await owner.getByRole('button', { name: 'Upload certificate' }).click();
		const keyError = owner.locator('#cert-key-errors');
		await keyError.waitFor();
		expect(await keyError.innerText()).toContain(
			'The private key does not belong to certificate 1'
		);
		await expect
			.poll(() => owner.getByLabel(/^Private key/).getAttribute('aria-invalid'))
			.toBe('true');
		expect(await owner.locator('#cert-chain-errors').count()).toBe(0);
		expect(await owner.getByLabel(/^Certificate chain/).inputValue()).toBe(chain);

		await owner.getByLabel(/^Private key/).fill(leaf.key);
		await owner.getByRole('button', { name: 'Upload certificate' }).click();
		await owner.getByText(`The certificate for ${DOMAIN} was saved`).waitFor();
		await item().getByText('TLS active').waitFor();
		expect(await owner.getByLabel(/^Private key/).inputValue()).toBe('');
		await owner.getByRole('list', { name: 'Certificates' }).getByText(DOMAIN).first().waitFor();
		await checkPage(owner, 'with-certificate');
	});
});
