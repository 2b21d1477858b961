/**
 * The secrets pages in Chromium, on an app started as npm start runs it: the seed's demo secrets
 * (supabase/seeds/30_secrets.sql, sealed by the app when it starts) are listed with the partner
 * JWT's expiry flagged; a secret is refused for a value that is not its format (a sentence, the
 * values kept, the value never sent back by the server), created, given a second version, revealed — the chosen
 * version, once, behind a confirmation — and deleted behind a typed confirmation; a developer sees
 * the secrets and adds versions but has no reveal; a viewer gets no page and no nav entry; both
 * pages pass axe and fit a 390-px phone in light and dark (screenshots in
 * test-results/screenshots/secrets/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import {
	TYPED_NAME,
	confirmAction,
	launchBrowser,
	screenshot,
	signIn,
	submitSignIn,
	toast
} from './harness';

describe('secrets pages', () => {
	let app: App;
	let browser: Browser;
	let secretPath = '';
	let partnerPath = '';

	beforeAll(async () => {
		app = await startApp({});
		browser = await launchBrowser();
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('lists the demo secrets, refuses a value that is not its format, creates, versions, reveals and deletes', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Secrets' }).click();
		await owner.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
		const partner = owner.getByRole('row').filter({ hasText: 'PARTNER_TOKEN' });
		await expect
			.poll(
				async () => {
					await owner.reload({ waitUntil: 'networkidle' });
					return partner.count();
				},
				{ timeout: 20_000 }
			)
			.toBe(1);
		expect(await partner.getByTestId('expiry-warning').textContent()).toContain('expires soon');
		expect(
			await owner.getByRole('row').filter({ hasText: 'PARTNER_CERTIFICATE' }).textContent()
		).toContain('PEM certificate or key');
		partnerPath = new URL(
			(await partner.getByRole('link', { name: 'PARTNER_TOKEN' }).getAttribute('href'))!,
			app.url
		).pathname;
		expect(await owner.content()).not.toContain('demo_mail_key');

		const form = owner.getByTestId('create-form');
		await form.getByLabel('Name').fill('E2E_CONFIG');
		await form.getByLabel('Format').selectOption({ label: 'JSON' });
		await form.getByLabel('Value').fill('{"region": ');
		await form.getByRole('button', { name: 'Add secret' }).click();
		await form.getByText(/^This is not valid JSON/).waitFor();
		expect(await form.getByLabel('Name').inputValue()).toBe('E2E_CONFIG');
		// The browser keeps what was typed; the server never sends a value back (platform/web/forms.ts).
		expect(await form.getByLabel('Value').inputValue()).toBe('{"region": ');

		await form.getByLabel('Value').fill('{"region": "eu-1"}');
		await form.getByRole('button', { name: 'Add secret' }).click();
		await owner.getByText('The secret was added, encrypted, as version 1.').waitFor();
		secretPath = new URL(owner.url()).pathname;
		expect(secretPath).toMatch(/^\/t\/acme\/settings\/secrets\/[0-9a-f-]{36}$/);
		await owner.getByRole('heading', { name: 'E2E_CONFIG', level: 1 }).waitFor();

		const version = owner.getByTestId('version-form');
		await version.getByLabel(/^New value/).fill('{"region": "eu-2"}');
		await version.getByRole('button', { name: 'Add version' }).click();
		await toast(owner, 'Version 2 is now current; the earlier ones are kept.').waitFor();
		await owner.waitForLoadState('networkidle');
		const versions = owner.getByTestId('versions');
		await expect.poll(() => versions.getByRole('row').count()).toBe(3);
		expect(await versions.getByRole('row').nth(1).textContent()).toMatch(/v2\s*current/);
		expect(await owner.getByTestId('revealed-value').count(), 'not shown until asked for').toBe(0);

		await owner.getByRole('button', { name: 'Reveal value', exact: true }).click();
		const dialog = owner.getByRole('alertdialog');
		await dialog.getByLabel('Version').selectOption({ label: 'v1' });
		await dialog.getByRole('button', { name: 'Reveal', exact: true }).click();
		const revealed = owner.getByTestId('revealed-value');
		await revealed.waitFor();
		expect(await revealed.inputValue()).toBe('{"region": "eu-1"}');
		await owner.getByLabel('Version 1').waitFor();
		await owner.getByRole('button', { name: 'Copy' }).waitFor();
		await screenshot(owner, 'secrets/revealed');

		await confirmAction(owner, 'Delete secret', [[TYPED_NAME, 'E2E_CONFIG']]);
		await owner.waitForURL((url) => url.pathname === '/t/acme/settings/secrets');
		expect(await owner.getByRole('row').filter({ hasText: 'E2E_CONFIG' }).count()).toBe(0);
		await owner.context().close();
	});

	it('shows a developer the secrets and the version form but no reveal', async () => {
		const dev = await signIn(browser, app.url, 'dev@acme.test');
		await dev.goto(partnerPath, { waitUntil: 'networkidle' });
		await dev.getByRole('heading', { name: 'PARTNER_TOKEN', level: 1 }).waitFor();
		expect(await dev.getByRole('button', { name: 'Reveal value' }).count()).toBe(0);
		await dev.getByTestId('version-form').waitFor();
		await dev.getByText(/The current version expires on/).waitFor();
		await dev.context().close();
	});

	it('shows a viewer no secrets page and no nav entry', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme', { waitUntil: 'networkidle' });
		expect(await viewer.getByRole('link', { name: 'Secrets' }).count()).toBe(0);
		expect((await viewer.goto('/t/acme/settings/secrets'))?.status()).toBe(403);
		expect((await viewer.goto(partnerPath))?.status()).toBe(404);
		await viewer.context().close();
	});

	it('passes axe and fits a 390-px phone in light and dark on both pages', async () => {
		const problems: string[] = [];
		for (const view of [
			{ width: 1440, scheme: 'light' },
			{ width: 1440, scheme: 'dark' },
			{ width: 390, scheme: 'light' },
			{ width: 390, scheme: 'dark' }
		] as const) {
			const context = await browser.newContext({
				baseURL: app.url,
				viewport: { width: view.width, height: 900 },
				colorScheme: view.scheme
			});
			const page: Page = await context.newPage();
			page.setDefaultTimeout(60_000);
			await submitSignIn(page, 'owner@acme.test');
			await page.waitForURL((url) => !url.pathname.startsWith('/auth/'), { waitUntil: 'commit' });
			for (const path of ['/t/acme/settings/secrets', partnerPath]) {
				await page.goto(path, { waitUntil: 'networkidle' });
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				await screenshot(
					page,
					`secrets/${path === partnerPath ? 'secret' : 'list'}-${view.width}-${view.scheme}`
				);
				const width = await page.evaluate(() => document.documentElement.scrollWidth);
				if (width > view.width) problems.push(`${where}: the page is ${width} px wide`);
				const { violations } = await new AxeBuilder({ page }).analyze();
				for (const v of violations.filter(
					(v) => v.impact === 'serious' || v.impact === 'critical'
				)) {
					const targets = v.nodes
						.slice(0, 3)
						.map((n) => n.target.join(' '))
						.join('; ');
					problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${targets}`);
				}
			}
			await context.close();
		}
		expect(problems, problems.join('\n')).toEqual([]);
	});
});
