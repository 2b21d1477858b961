/**
 * The data-sources page in Chromium (one sign-in, Acme's owner; loopback allowed, as in tests): an
 * HTTP JSON source pointed at a JSON server this file starts on 127.0.0.1 is refused first with
 * its values kept (a URL with a query), then added, tested ("connected", 3 records) and deleted
 * behind the confirmation. The page passes axe and fits 1440 and 390 px in light and dark
 * (screenshots in test-results/screenshots/data-sources/).
 */
import { createServer, type Server } from 'node:http';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp, type App } from '../support/app';
import { launchBrowser, screenshot, signIn, toast } from './harness';

const PAGE = '/t/acme/settings/data-sources';

describe('data sources page', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;
	let json: Server;
	let url: string;

	beforeAll(async () => {
		const port = await freePort();
		url = `http://127.0.0.1:${port}/api/checks`;
		json = createServer((_req, res) => {
			res.setHeader('content-type', 'application/json');
			res.end(
				JSON.stringify({
					checks: [
						{ name: 'api', ok: true },
						{ name: 'db', ok: true },
						{ name: 'mail', ok: false }
					]
				})
			);
		});
		await new Promise<void>((resolve) => json.listen(port, '127.0.0.1', resolve));
		app = await startApp({ WEBHOOK_ALLOW_LOOPBACK: 'true' });
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		json?.close();
	});

	it('adds an HTTP JSON source (values kept when refused), tests it and deletes it', async () => {
		await owner.goto(PAGE, { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Data sources', level: 1 }).waitFor();
		await expect.poll(() => owner.getByRole('row', { name: /Status page/ }).count()).toBe(1);
		const form = owner.getByTestId('http-form');
		await form.getByLabel('Name').fill('Checks');
		await form.getByLabel('URL').fill(`${url}?key=abc`);
		await form.getByLabel('Records path').fill('$.checks');
		await form.getByRole('button', { name: 'Add HTTP JSON source' }).click();
		await form.getByText(/without a user, a query or a fragment/).waitFor();
		expect(await form.getByLabel('Name').inputValue()).toBe('Checks');
		expect(await form.getByLabel('Records path').inputValue()).toBe('$.checks');

		await form.getByLabel('URL').fill(url);
		await form.getByRole('button', { name: 'Add HTTP JSON source' }).click();
		await toast(owner, /Data source “Checks” added/).waitFor();
		const row = owner.getByRole('row', { name: /Checks/ });
		await row.getByRole('button', { name: 'Test connection of Checks' }).click();
		await toast(owner, 'Fetched 3 records at $.checks (2 columns).').waitFor();
		await expect.poll(() => row.getByTestId('source-check').textContent()).toContain('connected');

		for (const width of [1440, 390]) {
			await owner.setViewportSize({ width, height: 900 });
			for (const theme of ['light', 'dark'] as const) {
				await owner.emulateMedia({ colorScheme: theme });
				await owner.goto(PAGE, { waitUntil: 'networkidle' });
				await owner.evaluate(
					(t) => document.documentElement.classList.toggle('dark', t === 'dark'),
					theme
				);
				const { violations } = await new AxeBuilder({ page: owner }).analyze();
				const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
				expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual(
					[]
				);
				const overflow = await owner.evaluate(
					() => document.documentElement.scrollWidth - window.innerWidth
				);
				expect(overflow).toBeLessThanOrEqual(0);
				await screenshot(owner, `data-sources/${width}-${theme}`);
			}
		}

		await owner.setViewportSize({ width: 1440, height: 900 });
		await owner
			.getByRole('row', { name: /Checks/ })
			.getByRole('button', { name: 'Delete' })
			.click();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Delete source' }).click();
		await toast(owner, /Data source deleted/).waitFor();
		await expect.poll(() => owner.getByRole('row', { name: /Checks/ }).count()).toBe(0);
	});
});
