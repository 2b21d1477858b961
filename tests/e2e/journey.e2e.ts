/**
 * The whole journey of issue 4, by two new people: each signs up, confirms through the mail
 * catcher and creates an organisation that waits for the platform's approval; staff approve; one
 * invites the other, who accepts; the inviter changes the invitee's role; the invitee turns on
 * TOTP; and each proves they cannot reach the other's organisation by URL, id or subdomain.
 */
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/lib/server/auth/totp';
import { startApp, type App } from '../support/app';
import {
	confirmAction,
	launchBrowser,
	mailLink,
	open,
	openSwitcher,
	rowAction,
	screenshot,
	submitSignIn,
	toast
} from './harness';

const PASSWORD = 'journey horse 42!';

async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
	await submitSignIn(page, email, password);
	await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
}

/** Sign-up, confirmation from the mail catcher, sign-in, and an organisation of their own. */
async function onboard(
	page: Page,
	mailUrl: string,
	email: string,
	name: string,
	slug: string
): Promise<void> {
	await open(page, '/auth/sign-up');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.getByRole('heading', { name: 'Check your email' }).waitFor();
	await page.goto(await mailLink(mailUrl, email, 'Confirm your email'));
	await page.getByRole('heading', { name: 'Email confirmed' }).waitFor();
	await signIn(page, email);
	await page.getByText('You are not in any organisation yet').waitFor();
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Address').fill(slug);
	await page.getByRole('button', { name: 'Create organisation' }).click();
	await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
}

describe('two new people, two new organisations, one invitation', () => {
	let app: App;
	let browser: Browser;
	const run = Date.now() % 1_000_000;
	const ann = `ann.${run}@example.test`;
	const ben = `ben.${run}@example.test`;
	const alpha = { name: `Alpha ${run}`, slug: `alpha-${run}` };
	const beta = { name: `Beta ${run}`, slug: `beta-${run}` };

	beforeAll(async () => {
		app = await startApp();
		// The platform setting the admin console does not edit yet: new tenants wait for approval.
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		await db.query(
			`update public.system_settings set value = 'true' where key = 'tenants.require_approval'`
		);
		await db.end();
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('walks the journey in Chromium', async () => {
		const annPage = await (await browser.newContext({ baseURL: app.url })).newPage();
		const benPage = await (await browser.newContext({ baseURL: app.url })).newPage();

		// Onboarding: both wait for approval, and their organisations' pages stay closed.
		await onboard(annPage, app.mailUrl, ann, alpha.name, alpha.slug);
		await screenshot(annPage, '90-journey-waiting-for-approval');
		await onboard(benPage, app.mailUrl, ben, beta.name, beta.slug);

		// Staff approve both.
		const staff = await (await browser.newContext({ baseURL: app.url })).newPage();
		await signIn(staff, 'admin@tenantry.test', 'password123!');
		for (const tenant of [alpha, beta]) {
			await open(staff, `/admin/tenants?q=${tenant.slug}`);
			await staff.getByRole('link', { name: tenant.name }).click();
			await staff.getByRole('heading', { name: tenant.name, level: 1 }).waitFor();
			await staff.waitForLoadState('networkidle');
			await confirmAction(staff, 'Approve tenant');
			await toast(staff, 'Approved: the tenant is active.').waitFor();
		}
		await open(annPage, `/t/${alpha.slug}`);
		await annPage.getByRole('heading', { name: alpha.name, level: 1 }).waitFor();
		await screenshot(annPage, '91-journey-dashboard');

		// Ann invites Ben as a developer; Ben accepts from the emailed link.
		await open(annPage, `/t/${alpha.slug}/members`);
		await annPage.getByLabel('Email', { exact: true }).fill(ben);
		await annPage.getByLabel('Role', { exact: true }).selectOption({ label: 'Developer' });
		await annPage.getByRole('button', { name: 'Send invitation' }).click();
		await annPage
			.getByRole('status')
			.filter({ hasText: `Invitation sent to ${ben}` })
			.waitFor();
		await benPage.goto(await mailLink(app.mailUrl, ben, `invited you to ${alpha.name}`));
		await benPage.waitForLoadState('networkidle');
		await benPage.getByRole('button', { name: `Accept and join ${alpha.name}` }).click();
		await benPage.getByRole('heading', { name: alpha.name, level: 1 }).waitFor();
		await screenshot(benPage, '92-journey-joined');

		// The switcher lists both of Ben's organisations.
		const switcher = await openSwitcher(benPage);
		expect(await switcher.getByRole('menuitem').filter({ hasText: beta.name }).count()).toBe(1);
		expect(await switcher.getByRole('menuitem').filter({ hasText: alpha.name }).count()).toBe(1);
		await benPage.keyboard.press('Escape');
		await switcher.waitFor({ state: 'hidden' });

		// Ann makes Ben a viewer: his next page load already shows it (permissions are read per request).
		await open(annPage, `/t/${alpha.slug}/members`);
		const row = annPage.getByRole('row').filter({ hasText: ben });
		await rowAction(annPage, row, 'Change role to Viewer');
		await annPage.getByRole('status').filter({ hasText: 'Role changed.' }).waitFor();
		await open(benPage, `/t/${alpha.slug}/members`);
		expect(await benPage.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
		expect(
			await benPage
				.getByRole('navigation', { name: `${alpha.name} sections` })
				.getByRole('link', { name: 'Settings' })
				.count()
		).toBe(0);

		// Ben turns on TOTP.
		await open(benPage, '/account/security');
		await benPage.getByRole('button', { name: 'Set up an authenticator app' }).click();
		const secret = (await benPage.getByTestId('totp-secret').textContent())!.trim();
		await benPage.getByLabel('6-digit code').fill(totpCode(secret));
		await benPage.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
		await benPage.getByRole('list', { name: 'Recovery codes' }).waitFor();
		expect(await benPage.getByText('verified with a second factor (aal2)').count()).toBe(1);
		await screenshot(benPage, '93-journey-totp');

		// Cross-tenant probes: by slug, by a guessed id, by subdomain — always the same 404.
		const missing = await annPage.goto('/t/no-such-organisation');
		expect(missing?.status()).toBe(404);
		const notFound = await annPage.locator('main, body').first().innerText();
		for (const probe of [
			`/t/${beta.slug}`,
			`/t/${beta.slug}/members`,
			`/t/${beta.slug}/settings`,
			`/t/${beta.slug}/audit/export?format=csv`
		]) {
			const response = await annPage.goto(probe);
			expect(response?.status(), probe).toBe(404);
		}
		await annPage.goto(`/t/${beta.slug}`);
		expect(await annPage.locator('main, body').first().innerText()).toBe(notFound);

		// Ben's project in Beta, reached through Alpha's URL by its slug: not there either.
		await open(benPage, `/t/${beta.slug}/projects`);
		await benPage.getByLabel('Name').fill('Secret plans');
		await benPage.getByLabel('Address').fill('secret-plans');
		await benPage.getByRole('button', { name: 'Create project' }).click();
		await benPage.getByRole('heading', { name: 'Secret plans', level: 1 }).waitFor();
		expect((await annPage.goto(`/t/${alpha.slug}/projects/secret-plans`))?.status()).toBe(404);
		expect((await annPage.goto(`/t/${beta.slug}/projects/secret-plans`))?.status()).toBe(404);

		// And by subdomain, signed in there as Ann.
		const port = new URL(app.url).port;
		const onBeta = await (
			await browser.newContext({ baseURL: `http://${beta.slug}.localhost:${port}` })
		).newPage();
		await signIn(onBeta, ann);
		expect((await onBeta.goto('/'))?.status()).toBe(404);
		expect((await onBeta.goto('/members'))?.status()).toBe(404);
		await screenshot(onBeta, '94-journey-foreign-subdomain-404');
	});
});
