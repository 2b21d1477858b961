/**
 * The admin console on the design system (issue 11): a suspension started by mistake and
 * cancelled leaves the tenant active, a typed name that does not match is refused by the server
 * (not only by the disabled button), the tenants list's search, sort and pages live in the URL
 * (and the back button restores them), and every console page passes axe (no serious or critical
 * violation) and fits a 390-px phone, with screenshots at 1440 and 390 in light and dark.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, open, screenshot, submitSignIn, TYPED_NAME } from './harness';

const ACME_ID = 'b0000000-0000-4000-8000-000000000001';
const PAGES = [
	['overview', '/admin'],
	['tenants', '/admin/tenants'],
	['tenant', `/admin/tenants/${ACME_ID}`],
	['staff', '/admin/staff'],
	['plans', '/admin/plans'],
	['plan-new', '/admin/plans/new'],
	['payments', '/admin/payments'],
	['subscriptions', '/admin/subscriptions']
] as const;

async function staffPage(
	browser: Browser,
	url: string,
	view: { width: number; height: number; colorScheme: 'light' | 'dark' }
): Promise<Page> {
	const context = await browser.newContext({
		baseURL: url,
		viewport: { width: view.width, height: view.height },
		colorScheme: view.colorScheme
	});
	const page = await context.newPage();
	page.setDefaultTimeout(60_000);
	await submitSignIn(page, 'admin@tenantry.test');
	await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
	return page;
}

describe('the admin console pages', () => {
	let app: App;
	let browser: Browser;
	let admin: Page;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		admin = await staffPage(browser, app.url, { width: 1440, height: 900, colorScheme: 'light' });
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	const status = () => admin.getByTestId('tenant-status');

	it('a suspension started by mistake and cancelled leaves the tenant active', async () => {
		await open(admin, `/admin/tenants/${ACME_ID}`);
		expect(await status().textContent()).toBe('active');
		await admin.getByRole('button', { name: 'Suspend tenant', exact: true }).click();
		const dialog = admin.getByRole('alertdialog');
		await dialog.getByRole('heading', { name: 'Suspend Acme Inc?' }).waitFor();
		const confirm = dialog.getByRole('button', { name: 'Suspend tenant', exact: true });
		expect(await confirm.isDisabled(), 'no suspension before the name is typed').toBe(true);
		await dialog.getByLabel(TYPED_NAME).fill('Acme');
		expect(await confirm.isDisabled(), 'nor with part of it').toBe(true);
		await admin.keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });
		await admin.reload({ waitUntil: 'networkidle' });
		expect(await status().textContent()).toBe('active');
	});

	it('refuses a typed name that does not match on the server, the tenant untouched', async () => {
		const answer = await admin.request.post(`/admin/tenants/${ACME_ID}?/suspend`, {
			form: { reason: 'Unpaid invoice', confirm_name: 'Acme' },
			headers: { origin: app.url, 'x-sveltekit-action': 'true' }
		});
		const body = await answer.text();
		expect(body).toContain('Type the name exactly as shown to confirm.');
		const archive = await admin.request.post(`/admin/tenants/${ACME_ID}?/archive`, {
			form: { reason: 'Closed', confirm_name: 'acme inc' },
			headers: { origin: app.url, 'x-sveltekit-action': 'true' }
		});
		expect(await archive.text()).toContain('Type the name exactly as shown to confirm.');
		await open(admin, `/admin/tenants/${ACME_ID}`);
		expect(await status().textContent()).toBe('active');
	});

	it('keeps the tenants list’s search, sort and page in the URL, and the back button restores them', async () => {
		const rows = admin.getByRole('table', { name: 'Tenants' }).locator('tbody tr');
		const names = async () =>
			(await rows.locator('td:first-of-type a, th a').allInnerTexts()).map((t) => t.trim());

		await open(admin, '/admin/tenants?limit=2');
		await admin.getByRole('link', { name: /^Name/ }).click();
		await admin.waitForURL(/sort=name/);
		const sorted = new URL(admin.url());
		expect(sorted.searchParams.get('dir')).not.toBe('desc');
		expect(await admin.getByRole('columnheader', { name: /^Name/ }).getAttribute('aria-sort')).toBe(
			'ascending'
		);
		const first = await names();
		expect(first).toHaveLength(2);
		expect([...first].sort((a, b) => a.localeCompare(b))).toEqual(first);

		await admin.getByRole('link', { name: /^Next/ }).click();
		await admin.waitForURL(/cursor=/);
		const second = await names();
		expect(second.length).toBeGreaterThan(0);
		expect(
			second.some((n) => first.includes(n)),
			'page 2 shows other tenants'
		).toBe(false);
		expect(second[0]!.localeCompare(first[1]!)).toBeGreaterThan(0);

		await admin.goBack({ waitUntil: 'networkidle' });
		expect(new URL(admin.url()).searchParams.get('cursor')).toBeNull();
		await admin.getByRole('link', { name: first[0], exact: true }).waitFor();
		expect(await names()).toEqual(first);

		await admin.getByLabel('Search tenants').fill('glob');
		await admin.waitForURL(/q=glob/);
		expect(new URL(admin.url()).searchParams.get('sort')).toBe('name');
		expect(await names()).toEqual(['Globex Corporation']);

		await open(admin, '/admin/tenants?sort=members&dir=desc');
		expect(
			await admin.getByRole('columnheader', { name: /^Members/ }).getAttribute('aria-sort')
		).toBe('descending');
	});

	for (const [width, height] of [
		[1440, 900],
		[390, 844]
	] as const) {
		for (const colorScheme of ['light', 'dark'] as const) {
			it(`every console page at ${width} px (${colorScheme}): no serious or critical axe violation${width === 390 ? ', no sideways scroll' : ''}`, async () => {
				const page = await staffPage(browser, app.url, { width, height, colorScheme });
				const problems: string[] = [];
				for (const [name, path] of PAGES) {
					await open(page, path);
					await page.getByRole('heading', { level: 1 }).waitFor();
					await screenshot(page, `admin-${name}-${width}-${colorScheme}`);
					const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
					if (scrollWidth > width) problems.push(`${path}: ${scrollWidth} px wide`);
					// The page's own content; the shell around it is design-checks.e2e.ts's.
					const { violations } = await new AxeBuilder({ page }).include('main').analyze();
					for (const v of violations.filter(
						(v) => v.impact === 'serious' || v.impact === 'critical'
					)) {
						problems.push(
							`${path}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.html.slice(0, 120)).join(', ')}`
						);
					}
				}
				await page.context().close();
				expect(problems).toEqual([]);
			});
		}
	}
});
