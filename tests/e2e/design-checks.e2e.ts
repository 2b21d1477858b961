/**
 * The design system's standing checks (issue 11, item 11), over every main page as the person who
 * uses it: axe-core finds no serious or critical violation, no page is wider than a 390-px phone,
 * and a screenshot of each page at 1440 and 390 px in light and dark lands in
 * test-results/screenshots/design/ for a person to look at. Failures are collected per page and
 * reported together, so one run names every page that regressed.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, submitSignIn } from './harness';

type Scheme = 'light' | 'dark';
const VIEWS: { width: number; height: number; scheme: Scheme }[] = [
	{ width: 1440, height: 900, scheme: 'light' },
	{ width: 1440, height: 900, scheme: 'dark' },
	{ width: 390, height: 844, scheme: 'light' },
	{ width: 390, height: 844, scheme: 'dark' }
];

/** The pages each person works in; `from` finds a detail page's address on a list page. */
interface Visit {
	path: string;
	from?: { list: string; link: RegExp };
}

const PERSONAS: { email: string | null; visits: Visit[] }[] = [
	{
		email: null,
		visits: [
			{ path: '/' },
			{ path: '/auth/sign-in' },
			{ path: '/auth/sign-up' },
			{ path: '/auth/forgot-password' },
			{ path: '/no-such-page' }
		]
	},
	{
		email: 'owner@acme.test',
		visits: [
			{ path: '/app' },
			{ path: '/account' },
			{ path: '/account/security' },
			{ path: '/t/acme' },
			{ path: '/t/acme/members' },
			{ path: '/t/acme/teams' },
			{ path: 'team', from: { list: '/t/acme/teams', link: /^\/t\/acme\/teams\/[^/]+$/ } },
			{ path: '/t/acme/roles' },
			{ path: '/t/acme/projects' },
			{
				path: 'project',
				from: { list: '/t/acme/projects', link: /^\/t\/acme\/projects\/[^/]+$/ }
			},
			{ path: '/t/acme/audit' },
			{ path: '/t/acme/billing' },
			{ path: '/t/acme/usage' },
			{ path: '/t/acme/settings' },
			{ path: '/t/acme/settings/domains' },
			{ path: '/t/acme/settings/network' },
			{ path: '/t/acme/settings/api-keys' },
			{ path: '/t/acme/ai' },
			{ path: '/t/acme/ai/playground' },
			{ path: '/t/acme/ai/settings' },
			{ path: '/t/acme/documents' },
			{ path: '/t/acme/no-such-page' }
		]
	},
	{
		email: 'admin@tenantry.test',
		visits: [
			{ path: '/admin' },
			{ path: '/admin/tenants' },
			{
				path: 'tenant',
				from: { list: '/admin/tenants', link: /^\/admin\/tenants\/[0-9a-f-]{36}$/ }
			},
			{ path: '/admin/staff' },
			{ path: '/admin/plans' },
			{ path: 'plan', from: { list: '/admin/plans', link: /^\/admin\/plans\/[^/]+$/ } },
			{ path: '/admin/payments' },
			{ path: '/admin/subscriptions' },
			{ path: '/admin/revenue' },
			{ path: '/admin/health' }
		]
	}
];

async function resolvePath(page: Page, visit: Visit): Promise<string> {
	if (!visit.from) return visit.path;
	await page.goto(visit.from.list, { waitUntil: 'networkidle' });
	const hrefs = await page
		.locator('main a[href]')
		.evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
	const found = hrefs.find((href) => visit.from!.link.test(href));
	if (!found) throw new Error(`No link matching ${visit.from.link} on ${visit.from.list}`);
	return found;
}

async function checkPersona(
	app: App,
	browser: Browser,
	email: string | null,
	visits: Visit[]
): Promise<string[]> {
	const problems: string[] = [];
	for (const view of VIEWS) {
		const context = await browser.newContext({
			baseURL: app.url,
			viewport: { width: view.width, height: view.height },
			colorScheme: view.scheme
		});
		const page = await context.newPage();
		page.setDefaultTimeout(60_000);
		if (email) {
			await submitSignIn(page, email);
			await page.waitForURL((url) => !url.pathname.startsWith('/auth/'), {
				waitUntil: 'commit'
			});
		}
		for (const visit of visits) {
			const path = await resolvePath(page, visit);
			await page.goto(path, { waitUntil: 'networkidle' });
			const where = `${path} at ${view.width} px, ${view.scheme}`;
			const name = `design/${(email ?? 'visitor').split('@')[0]}-${visit.path.replace(/\W+/g, '_')}-${view.width}-${view.scheme}`;
			await screenshot(page, name);
			if (view.width <= 390) {
				const width = await page.evaluate(() => document.documentElement.scrollWidth);
				if (width > view.width) problems.push(`${where}: the page is ${width} px wide`);
			} else {
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
		}
		await context.close();
	}
	return problems;
}

describe('the design system on every main page', () => {
	let app: App;
	let browser: Browser;
	appAndBrowser((opened) => ({ app, browser } = opened));

	for (const persona of PERSONAS) {
		it(`has no serious accessibility violation or phone overflow for ${persona.email ?? 'a visitor'}`, async () => {
			const problems = await checkPersona(app, browser, persona.email, persona.visits);
			expect(problems, problems.join('\n')).toEqual([]);
		}, 600_000);
	}
});
