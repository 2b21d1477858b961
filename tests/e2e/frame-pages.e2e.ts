/**
 * The pages outside the signed-in shell (issue 11): the landing page, every auth page and an
 * invitation link, as a visitor sees them. axe-core finds no serious or critical violation in
 * either theme, no page is wider than a 360-px or 390-px phone, each page has one h1 and the
 * product mark leading home, and a screenshot of each at 1440 and 390 px, light and dark, lands
 * in test-results/screenshots/frame/.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot } from './harness';

const PAGES = [
	'/',
	'/auth/sign-in',
	'/auth/sign-in?reset=1',
	'/auth/sign-up',
	'/auth/forgot-password',
	'/auth/reset-password',
	'/auth/check-email?email=ada%40example.test',
	'/auth/confirm',
	`/invite/${'a'.repeat(64)}`,
	'/invite/not-a-token'
];

const VIEWS = [
	{ width: 1440, height: 900, scheme: 'light' },
	{ width: 1440, height: 900, scheme: 'dark' },
	{ width: 390, height: 844, scheme: 'light' },
	{ width: 390, height: 844, scheme: 'dark' },
	{ width: 360, height: 740, scheme: 'light' }
] as const;

describe('the pages outside the shell', () => {
	let app: App;
	let browser: Browser;
	appAndBrowser((opened) => ({ app, browser } = opened));

	it('pass axe in both themes, fit a phone, and have one h1 and the mark leading home', async () => {
		const problems: string[] = [];
		for (const view of VIEWS) {
			const context = await browser.newContext({
				baseURL: app.url,
				viewport: { width: view.width, height: view.height },
				colorScheme: view.scheme
			});
			const page = await context.newPage();
			page.setDefaultTimeout(60_000);
			for (const path of PAGES) {
				await page.goto(path, { waitUntil: 'networkidle' });
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				if (view.width !== 360) {
					const name = `frame/${path.replace(/\W+/g, '_').slice(0, 40)}-${view.width}-${view.scheme}`;
					await screenshot(page, name);
				}
				const h1 = await page.getByRole('heading', { level: 1 }).count();
				if (h1 !== 1) problems.push(`${where}: ${h1} h1 headings`);
				const home = await page.getByRole('link', { name: 'Tenantry', exact: true }).count();
				if (home !== 1) problems.push(`${where}: ${home} links to the home page named Tenantry`);
				if (view.width <= 390) {
					const width = await page.evaluate(() => document.documentElement.scrollWidth);
					if (width > view.width) problems.push(`${where}: the page is ${width} px wide`);
				} else {
					const { violations } = await new AxeBuilder({ page }).analyze();
					for (const v of violations.filter(
						(v) => v.impact === 'serious' || v.impact === 'critical'
					)) {
						const targets = v.nodes.map((n) => n.target.join(' ')).join('; ');
						problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${targets}`);
					}
				}
			}
			await context.close();
		}
		expect(problems, problems.join('\n')).toEqual([]);
	}, 600_000);
});
