/**
 * The console's system health page and the tenant's IP allowlist page in Chromium (issue 17 §6;
 * docs/admin.md): a super_admin sees the queues, backlogs, pool, requests by route (a DataTable
 * searched through the URL), storage and security — a failed sign-in made here shows up among the
 * events; support staff get the 403; both pages at 1440 and 390 px in light and dark, without a
 * serious axe violation or a sideways scroll. Screenshots `health-*.png`, `network-*.png`.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, open, screenshot, submitSignIn } from './harness';

interface View {
	width: number;
	height: number;
	scheme: 'light' | 'dark';
}

const VIEWS: readonly View[] = [
	{ width: 1440, height: 900, scheme: 'light' },
	{ width: 1440, height: 900, scheme: 'dark' },
	{ width: 390, height: 844, scheme: 'light' },
	{ width: 390, height: 844, scheme: 'dark' }
];

async function signedIn(
	browser: Browser,
	app: App,
	email: string,
	view: View = VIEWS[0]!
): Promise<Page> {
	const context = await browser.newContext({
		baseURL: app.url,
		viewport: { width: view.width, height: view.height },
		colorScheme: view.scheme
	});
	const page = await context.newPage();
	page.setDefaultTimeout(60_000);
	await submitSignIn(page, email);
	await page.waitForURL((url) => !url.pathname.startsWith('/auth/'), { waitUntil: 'commit' });
	return page;
}

async function problemsOf(page: Page, width: number, where: string): Promise<string[]> {
	if (width <= 390) {
		const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
		return scroll > width ? [`${where}: the page is ${scroll} px wide`] : [];
	}
	const { violations } = await new AxeBuilder({ page }).analyze();
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map(
			(v) =>
				`${where}: axe ${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`
		);
}

describe('the system health page', () => {
	let app: App;
	let browser: Browser;
	appAndBrowser((opened) => ({ app, browser } = opened));

	it('shows /metrics’ figures, storage and security events to a super_admin, searchable', async () => {
		// A failed sign-in to show among the security events.
		const stranger = await (await browser.newContext({ baseURL: app.url })).newPage();
		await submitSignIn(stranger, 'viewer@acme.test', 'not-the-password');
		await stranger.getByText('The email or password is not correct.').first().waitFor();
		await stranger.context().close();

		const page = await signedIn(browser, app, 'admin@tenantry.test');
		// A request is counted when it ends: the second visit sees the first.
		await open(page, '/admin/health');
		await open(page, '/admin/health');
		await expect
			.poll(() => page.getByRole('heading', { name: 'System health', level: 1 }).count())
			.toBe(1);
		await expect.poll(() => page.getByTestId('health-mail').count()).toBe(1);
		await expect
			.poll(() => page.locator('[data-testid^="health-queue-"]').count())
			.toBeGreaterThan(0);
		const routes = page.getByRole('region', { name: 'Requests by route' });
		await expect.poll(() => routes.getByText('/(admin)/admin/health').count()).toBeGreaterThan(0);
		const security = page.getByTestId('health-security');
		await expect.poll(() => security.textContent()).toMatch(/Failed sign-ins\s*[1-9]/);
		const events = page.getByRole('table', { name: 'Security events' });
		await expect.poll(() => events.getByText('viewer@acme.test').count()).toBeGreaterThan(0);

		await page
			.getByRole('searchbox', { name: /Search requests by route|Method or route/ })
			.fill('admin/health');
		await page.keyboard.press('Enter');
		await page.waitForURL(/routes_q=admin%2Fhealth|routes_q=admin\/health/);
		await expect.poll(() => routes.getByText('/(admin)/admin/health').count()).toBeGreaterThan(0);
		await expect.poll(() => routes.getByText('/(admin)/admin/settings').count()).toBe(0);
		await page.context().close();
	}, 300_000);

	it('is a 403 for support staff', async () => {
		const page = await signedIn(browser, app, 'support@tenantry.test');
		const response = await page.goto('/admin/health');
		expect(response?.status()).toBe(403);
		await page.context().close();
	}, 120_000);

	it('keeps to the phone’s width in both themes, with the IP allowlist page', async () => {
		const problems: string[] = [];
		for (const view of VIEWS) {
			const admin = await signedIn(browser, app, 'admin@tenantry.test', view);
			await open(admin, '/admin/health');
			await screenshot(admin, `health-${view.width}-${view.scheme}`);
			problems.push(
				...(await problemsOf(admin, view.width, `/admin/health at ${view.width} ${view.scheme}`))
			);
			await admin.context().close();
			const owner = await signedIn(browser, app, 'owner@acme.test', view);
			await open(owner, '/t/acme/settings/network');
			await expect.poll(() => owner.getByTestId('upgrade-prompt').count()).toBe(1);
			await screenshot(owner, `network-${view.width}-${view.scheme}`);
			problems.push(
				...(await problemsOf(
					owner,
					view.width,
					`/t/acme/settings/network at ${view.width} ${view.scheme}`
				))
			);
			await owner.context().close();
		}
		expect(problems, problems.join('\n')).toEqual([]);
	}, 600_000);
});
