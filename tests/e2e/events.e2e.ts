import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, signIn, submitSignIn, toast } from './harness';

/**
 * The events page (/t/<slug>/settings/events): an action in the app shows up as its event with
 * the payload as JSON, the type filter and search in the URL, no page for a viewer without
 * audit.read or webhooks.manage, and the design checks (axe, no sideways scroll at 390 px) in
 * both themes.
 */
describe('events page', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('shows a team created on the teams page as a team.created event with its payload', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/teams', { waitUntil: 'networkidle' });
		await owner.getByLabel('Team name').fill('Event watchers');
		await owner.getByRole('button', { name: 'Create team' }).click();
		await toast(owner, /Event watchers/).waitFor();

		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Events', exact: true }).click();
		await owner.waitForURL('**/t/acme/settings/events');
		await owner.getByRole('heading', { name: 'Events', level: 1 }).waitFor();

		// The type filter is a GET form: the choice lands in the URL, page one of that type.
		await owner.getByLabel('Type').selectOption('team.created');
		await owner.waitForURL(/[?&]type=team\.created/);
		await owner.waitForLoadState('networkidle');
		const rows = owner.getByRole('row').filter({ hasText: 'team.created' });
		expect(await owner.getByRole('row').filter({ hasText: 'member.added' }).count()).toBe(0);

		const newest = rows.first();
		await newest.locator('summary').click();
		const payload = newest.getByLabel('Payload of team.created');
		await payload.waitFor();
		expect(JSON.parse((await payload.textContent())!)).toEqual({
			name: 'Event watchers',
			description: ''
		});
		expect(await newest.textContent()).toContain('owner@acme.test');
		await screenshot(owner, '70-events-team-created');

		// Search by type word keeps the type filter.
		await owner.goto('/t/acme/settings/events?type=team.created&q=team', {
			waitUntil: 'networkidle'
		});
		expect(await owner.getByLabel('Type').inputValue()).toBe('team.created');
		expect(
			await owner.getByRole('row').filter({ hasText: 'team.created' }).count()
		).toBeGreaterThan(0);
	});

	it('gives a viewer without audit.read or webhooks.manage no page and no link', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme', { waitUntil: 'networkidle' });
		expect(await viewer.getByRole('link', { name: 'Events', exact: true }).count()).toBe(0);
		const answer = await viewer.goto('/t/acme/settings/events');
		expect(answer?.status()).toBe(403);
	});

	it('is axe clean and no wider than a phone, in both themes', async () => {
		const problems: string[] = [];
		for (const view of [
			{ width: 1440, height: 900, scheme: 'light' as const },
			{ width: 1440, height: 900, scheme: 'dark' as const },
			{ width: 390, height: 844, scheme: 'light' as const },
			{ width: 390, height: 844, scheme: 'dark' as const }
		]) {
			const context = await browser.newContext({
				baseURL: app.url,
				viewport: { width: view.width, height: view.height },
				colorScheme: view.scheme
			});
			const page = await context.newPage();
			page.setDefaultTimeout(60_000);
			await submitSignIn(page, 'auditor@acme.test');
			await page.waitForURL((url) => !url.pathname.startsWith('/auth/'), { waitUntil: 'commit' });
			await page.goto('/t/acme/settings/events', { waitUntil: 'networkidle' });
			expect(await page.getByRole('row').count(), 'the seed has events to show').toBeGreaterThan(5);
			// One payload open, so its JSON block is checked too.
			await page.locator('summary').first().click();
			const where = `${view.width} px, ${view.scheme}`;
			await screenshot(page, `design/events-${view.width}-${view.scheme}`);
			const width = await page.evaluate(() => document.documentElement.scrollWidth);
			if (width > view.width) problems.push(`${where}: the page is ${width} px wide`);
			const { violations } = await new AxeBuilder({ page }).analyze();
			for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
				problems.push(
					`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes[0]?.target.join(' ')}`
				);
			}
			await context.close();
		}
		expect(problems).toEqual([]);
	});
});
