/**
 * Alerts in Chromium (docs/bi-alerts.md), one sign-in: Acme's owner creates a threshold alert on
 * a platform metric (API calls today below 1,000,000 — whatever the seed's count), asks for an
 * evaluation ("Evaluate now": a bi.alerts job on the queue, which the app's worker runs) and sees
 * it fire; a refused edit keeps the values; the threshold changed to below 0, the next evaluation
 * resolves it; the history shows the firing resolved. The pages pass axe and fit a 390-px phone,
 * at 1440 px and 390 px in light and dark (screenshots in test-results/screenshots/bi-alerts/);
 * the alert is deleted through its confirmation.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, screenshot, signIn, toast } from './harness';

async function evaluateAndWait(page: Page, state: RegExp): Promise<void> {
	await page.getByRole('button', { name: 'Evaluate now' }).click();
	await toast(page, 'Evaluation queued').waitFor();
	await expect
		.poll(
			async () => {
				await page.reload({ waitUntil: 'networkidle' });
				return page.getByTestId('alert-state').innerText();
			},
			{ timeout: 30_000, interval: 1000 }
		)
		.toMatch(state);
}

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
			await screenshot(page, `bi-alerts/${name}-${width}-${theme}`);
		}
	}
	await page.setViewportSize({ width: 1440, height: 900 });
	await page.emulateMedia({ colorScheme: 'light' });
	await page.evaluate(() => document.documentElement.classList.remove('dark'));
}

describe('alerts', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('creates a threshold alert, sees it fire, changes the threshold and sees it resolve', async () => {
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Alerts' }).click();
		await owner.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
		// The seed's alerts are listed.
		await owner.getByRole('link', { name: 'Nobody active' }).waitFor();

		const create = owner.getByTestId('create-form');
		await create.getByLabel('Name').fill('Quiet API');
		await create.getByLabel('Metric').selectOption('api_calls');
		await create.getByLabel('Fires when the value is').selectOption('below');
		await create.getByLabel('Threshold').fill('1000000');
		await create.getByRole('button', { name: 'Create alert' }).click();
		await owner.getByRole('heading', { name: 'Quiet API', level: 1 }).waitFor();
		await expect.poll(() => owner.getByTestId('alert-state').innerText()).toMatch(/ok/);

		await evaluateAndWait(owner, /firing/);
		await owner.getByTestId('alert-history').getByText('firing', { exact: true }).waitFor();

		// A refused edit keeps what was typed.
		const update = owner.getByTestId('update-form');
		await update.getByLabel('For (minutes)').fill('2000');
		await update.getByLabel('Name').fill('Quiet API calls');
		await update.getByRole('button', { name: 'Save alert' }).click();
		await update.getByText('Give 0 to 1440 minutes.').waitFor();
		expect(await update.getByLabel('Name').inputValue()).toBe('Quiet API calls');

		await update.getByLabel('For (minutes)').fill('0');
		await update.getByLabel('Threshold').fill('0');
		await update.getByRole('button', { name: 'Save alert' }).click();
		await toast(owner, 'Alert saved').waitFor();
		await owner.getByRole('heading', { name: 'Quiet API calls', level: 1 }).waitFor();
		await evaluateAndWait(owner, /ok/);
		const history = owner.getByTestId('alert-history');
		await history.getByText('resolved', { exact: true }).waitFor();
		expect(await history.getByText('firing', { exact: true }).count()).toBe(0);

		await owner.getByRole('button', { name: 'Mute' }).click();
		await toast(owner, 'Muted').waitFor();
		await owner.getByTestId('alert-state').getByText('muted: nobody is told').waitFor();

		await checkPage(owner, 'alert');
		await owner.goto('/t/acme/alerts', { waitUntil: 'networkidle' });
		await checkPage(owner, 'list');

		await owner.getByRole('link', { name: 'Quiet API calls' }).click();
		await owner.getByRole('button', { name: 'Delete alert' }).click();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Delete alert' }).click();
		await owner.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
		expect(await owner.getByRole('link', { name: 'Quiet API calls' }).count()).toBe(0);
	}, 120_000);
});
