/**
 * Governance in Chromium, on an app started as npm start runs it (seeded: Acme keeps notifications
 * 90 days, supabase/seeds/40_governance.sql). The owner of Acme sets a retention policy (a value
 * out of range refused in words, the value kept) and previews the next run; the
 * super admin changes a typed setting (a bad value refused) and runs a maintenance dry run whose
 * report the Jobs page shows; the super admin views Acme as its admin — read-only, a save refused —
 * while the owner sees the banner and the entry in Acme's audit log, then ends it; the platform
 * audit log filters by organisation. The new pages pass axe and fit a 390-px phone (screenshots in
 * test-results/screenshots/governance/). One sign-in per person.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, open, screenshot, signIn, toast } from './harness';

const ACME_ID = 'b0000000-0000-4000-8000-000000000001';
const REASON = 'E2E: ticket 7, the usage page looks empty';

async function axeClean(page: Page): Promise<void> {
	const { violations } = await new AxeBuilder({ page }).analyze();
	const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);
}

async function fitsPhone(page: Page, name: string): Promise<void> {
	await page.setViewportSize({ width: 390, height: 844 });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await screenshot(page, `governance/${name}-390`);
	await page.setViewportSize({ width: 1280, height: 900 });
}

describe('governance', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;
	let staff: Page;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
		staff = await signIn(browser, app.url, 'admin@tenantry.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('keeps a policy within its range and previews the next run', async () => {
		await open(owner, '/t/acme');
		await owner.getByRole('link', { name: 'Data retention' }).click();
		await owner.getByRole('heading', { name: 'Data retention', level: 1 }).waitFor();
		const notifications = owner.getByTestId('policy-notifications');
		expect(await notifications.getByTestId('in-effect').textContent()).toContain('after 90 days');
		await notifications.getByText('This organisation’s').waitFor();

		const usage = owner.getByTestId('policy-usage_events');
		await usage.getByLabel('Keep for (days)').fill('3');
		await usage.getByRole('button', { name: 'Save Usage events' }).click();
		await usage.getByText('Keep this data for a number of days within the range shown.').waitFor();
		expect(await usage.getByLabel('Keep for (days)').inputValue()).toBe('3');

		await usage.getByLabel('Keep for (days)').fill('500');
		await usage.getByRole('button', { name: 'Save Usage events' }).click();
		await toast(owner, 'The retention policy is saved').waitFor();
		await usage.getByText('This organisation’s').waitFor();

		await owner.getByRole('button', { name: 'Preview the next run' }).click();
		const preview = owner.getByTestId('retention-preview');
		await preview.waitFor();
		expect(await preview.textContent()).toContain('Delete after 500 days');
		await axeClean(owner);
		await fitsPhone(owner, 'data-retention');
	});

	it('changes a typed setting and shows a maintenance dry run’s report', async () => {
		await open(staff, '/admin/settings');
		const ttl = staff.getByTestId('setting-invitations.ttl_hours');
		await ttl.getByLabel('Value').fill('0');
		await ttl.getByRole('button', { name: 'Save invitations.ttl_hours' }).click();
		await ttl.getByText('Enter a number of at least 1.').waitFor();
		await ttl.getByLabel('Value').fill('72');
		await ttl.getByRole('button', { name: 'Save invitations.ttl_hours' }).click();
		await toast(staff, 'invitations.ttl_hours is saved.').waitFor();
		await axeClean(staff);
		await fitsPhone(staff, 'settings');

		await open(staff, '/admin/jobs');
		await staff.getByRole('button', { name: 'Run maintenance now' }).click();
		await toast(staff, 'A dry run of maintenance is queued').waitFor();
		await expect
			.poll(
				async () => {
					await staff.reload();
					return staff.getByTestId('governance-report').first().textContent();
				},
				{ timeout: 30_000 }
			)
			.toContain('expired invitations');
		expect(await staff.getByTestId('governance-report').first().textContent()).toContain('dry run');
	});

	it('views Acme as its admin, read-only, and Acme sees it', async () => {
		await open(staff, `/admin/tenants/${ACME_ID}`);
		const card = staff.getByTestId('view-as');
		await card.getByLabel('Member').selectOption({ label: 'Alan Admin (admin@acme.test)' });
		await card.getByLabel('Reason').fill(REASON);
		await card.getByRole('button', { name: 'View as this member' }).click();
		await staff.getByText('You are viewing as admin@acme.test').waitFor();
		expect(new URL(staff.url()).pathname).toBe('/t/acme');

		await open(staff, '/t/acme/settings/data-retention');
		const usage = staff.getByTestId('policy-usage_events');
		await usage.getByRole('button', { name: 'Save Usage events' }).click();
		await staff.getByText('You are viewing as this member, read-only').waitFor();

		await open(owner, '/t/acme');
		const banner = owner.getByTestId('view-as-banner');
		await banner.waitFor();
		expect(await banner.textContent()).toContain(REASON);
		await open(owner, '/t/acme/audit?action=impersonation_sessions');
		await owner
			.getByTestId('audit-action')
			.filter({ hasText: 'impersonation_sessions.insert' })
			.waitFor();

		await staff.getByRole('button', { name: 'End the view' }).click();
		await toast(staff, 'The view-as session is over.').waitFor();
		await open(owner, '/t/acme');
		await owner.getByRole('heading', { level: 1 }).first().waitFor();
		expect(await owner.getByTestId('view-as-banner').count()).toBe(0);
		const cookies = await staff.context().cookies();
		expect(cookies.map((c) => c.name)).not.toContain('tenantry_view_as');
	});

	it('filters the platform audit log by organisation', async () => {
		await open(staff, '/admin/audit?tenant=acme&action=impersonation_sessions');
		await staff.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
		const rows = staff.getByTestId('audit-row');
		await rows.first().waitFor();
		expect(await rows.first().textContent()).toContain('Acme');
		await open(staff, '/admin/audit?tenant=no-such-org');
		await staff.getByText('No organisation has this address.').waitFor();
		await axeClean(staff);
		await fitsPhone(staff, 'audit');
	});
});
