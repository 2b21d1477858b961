/**
 * The roles editor as a permission matrix (issue 11, item 8): groups closed until opened or
 * changed, the catalogue's labels, search over label, code and description, presets that tick a
 * set of boxes and post as the ordinary form, all of it by keyboard; axe finds no serious or
 * critical violation and the page fits a 390-px phone, in both themes (screenshots in
 * test-results/screenshots/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, submitSignIn, toast } from './harness';

async function ownerAt(
	browser: Browser,
	app: App,
	width: number,
	scheme: 'light' | 'dark'
): Promise<Page> {
	const context = await browser.newContext({
		baseURL: app.url,
		colorScheme: scheme,
		viewport: { width, height: width > 400 ? 900 : 844 }
	});
	const page = await context.newPage();
	page.setDefaultTimeout(60_000);
	await submitSignIn(page, 'owner@acme.test');
	await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
	await page.goto('/t/acme/roles', { waitUntil: 'networkidle' });
	await page.getByRole('heading', { name: 'Roles and permissions', level: 1 }).waitFor();
	return page;
}

async function seriousViolations(page: Page): Promise<string[]> {
	const { violations } = await new AxeBuilder({ page }).analyze();
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the roles editor', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('groups start closed, search opens what matches, a preset ticks its set and saves', async () => {
		const owner = await ownerAt(browser, app, 1440, 'light');
		const create = owner.locator('form[action="?/create"]');
		const groups = create.locator('details');
		expect(await groups.count()).toBeGreaterThan(5);
		for (const open of await groups.evaluateAll((all) =>
			all.map((d) => (d as HTMLDetailsElement).open)
		)) {
			expect(open).toBe(false);
		}
		const invite = create.getByRole('checkbox', { name: /Invite people/ });
		expect(await invite.isVisible()).toBe(false);

		await create.getByLabel('Search permissions').fill('invitation');
		await invite.waitFor({ state: 'visible' });
		expect(await create.getByRole('checkbox', { name: /billing\.manage/ }).isVisible()).toBe(false);
		await create.getByLabel('Search permissions').fill('nothing-like-this');
		await create.getByText('No permission matches “nothing-like-this”.').waitFor();
		await create.getByLabel('Search permissions').fill('');
		await screenshot(owner, 'roles-matrix-search');

		await create.getByRole('button', { name: 'Apply the Read-only preset' }).click();
		expect(await create.getByRole('checkbox', { name: /billing\.read/ }).isChecked()).toBe(true);
		expect(await create.getByRole('checkbox', { name: /billing\.manage/ }).isChecked()).toBe(false);
		expect(await create.locator('details[open]').count()).toBeGreaterThan(0);
		await create.getByText(/^\d+ of \d+ selected$/).waitFor();
		await screenshot(owner, 'roles-matrix-preset');
		await create.getByRole('button', { name: 'Apply the Billing Admin preset' }).click();
		expect(await create.getByRole('checkbox', { name: /billing\.manage/ }).isChecked()).toBe(true);
		expect(
			await create.getByRole('checkbox', { name: /audit\.read/, includeHidden: true }).isChecked()
		).toBe(false);

		await create.getByLabel('Name', { exact: true }).fill('Accounts');
		await create.getByRole('button', { name: 'Create role' }).click();
		await toast(owner, 'Role “Accounts” created.').waitFor();
		const summary = owner.locator('summary', { hasText: 'Accounts' });
		expect(await summary.innerText()).toMatch(/0 members · [1-9]\d* permissions?/);
		await owner.context().close();
	});

	it('works by keyboard alone: search, tick, and open a group', async () => {
		const owner = await ownerAt(browser, app, 1440, 'light');
		const create = owner.locator('form[action="?/create"]');
		await create.getByLabel('Search permissions').focus();
		await owner.keyboard.type('audit');
		// Tab from the search box through the toolbar to the first visible checkbox.
		const target = create.getByRole('checkbox', { name: /audit\.read/ });
		for (
			let i = 0;
			i < 30 && !(await target.evaluate((el) => el === document.activeElement));
			i++
		) {
			await owner.keyboard.press('Tab');
		}
		expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
		await owner.keyboard.press('Space');
		expect(await target.isChecked()).toBe(true);

		await create.getByLabel('Search permissions').fill('');
		const members = create.locator('summary', { hasText: 'Members' });
		await members.focus();
		await owner.keyboard.press('Enter');
		await create.getByRole('checkbox', { name: /Invite people/ }).waitFor({ state: 'visible' });
		await owner.context().close();
	});

	for (const width of [1440, 390]) {
		for (const scheme of ['light', 'dark'] as const) {
			it(`at ${width} px, ${scheme}: no serious axe violation and no sideways scroll`, async () => {
				const owner = await ownerAt(browser, app, width, scheme);
				await owner.locator('summary', { hasText: 'Auditor' }).click();
				await owner
					.locator('form[action="?/create"]')
					.getByRole('button', { name: 'Expand all' })
					.click();
				expect(await seriousViolations(owner)).toEqual([]);
				if (width === 390) {
					expect(
						await owner.evaluate(() => document.documentElement.scrollWidth)
					).toBeLessThanOrEqual(390);
				}
				await screenshot(owner, `roles-${width}-${scheme}`);
				await owner.context().close();
			});
		}
	}
});
