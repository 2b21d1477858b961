import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { totpCode } from '../../src/lib/server/auth/totp';
import {
	confirmAction,
	launchBrowser,
	open,
	rowAction,
	screenshot,
	signIn,
	submitSignIn,
	toast,
	TYPED_NAME
} from './harness';

/** Seeded in supabase/seed.sql and supabase/seeds/23_admin.sql; every password is password123!. */
const ACME_ID = 'b0000000-0000-4000-8000-000000000001';

function status(page: Page) {
	return page.getByTestId('tenant-status');
}

describe('the admin console', () => {
	let app: App;
	let browser: Browser;
	let admin: Page;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		admin = await signIn(browser, app.url, 'admin@tenantry.test');
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('shows staff what waits, and lets them find, approve, suspend and reactivate tenants', async () => {
		await open(admin, '/admin');
		await admin.getByRole('heading', { name: 'Platform overview', level: 1 }).waitFor();
		expect(await admin.getByTestId('pending-tenants').textContent()).toBe('1');
		expect(await admin.getByTestId('payments-awaiting').textContent()).toBe('1');
		const nav = admin.getByRole('navigation', { name: 'Admin sections' });
		for (const section of ['Tenants', 'Staff', 'Plans', 'Payments', 'Subscriptions', 'Revenue'])
			expect(await nav.getByRole('link', { name: section }).count()).toBe(1);
		await screenshot(admin, '30-admin-overview');

		await admin.getByRole('button', { name: 'tenant waits for approval' }).click();
		await admin.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
		expect(admin.url()).toContain('status=pending');
		const rows = admin.getByRole('table', { name: 'Tenants' }).locator('tbody tr');
		expect(await rows.count()).toBe(1);

		await open(admin, '/admin/tenants');
		await admin.getByLabel('Search tenants').fill('INITECH');
		await admin.getByLabel('Search tenants').press('Enter');
		await admin.waitForURL(/q=INITECH/);
		expect(await rows.count()).toBe(1);
		expect(await rows.first().innerText()).toContain('pending');
		await screenshot(admin, '31-admin-tenants-search');

		await admin.getByLabel('Search tenants').fill('no such company');
		await admin.getByLabel('Search tenants').press('Enter');
		await admin.getByText('No tenants match your search.').waitFor();

		await open(admin, '/admin/tenants?q=initech');
		await admin.getByRole('link', { name: 'Initech' }).click();
		await admin.getByRole('heading', { name: 'Initech', level: 1 }).waitFor();
		await admin.waitForLoadState('networkidle');
		expect(await status(admin).textContent()).toBe('pending');
		expect(await admin.getByRole('cell', { name: 'Owner', exact: true }).count()).toBe(1);
		await confirmAction(admin, 'Approve tenant');
		await toast(admin, 'Approved').waitFor();
		expect(await status(admin).textContent()).toBe('active');
		expect(await admin.getByRole('cell', { name: 'tenant.approve' }).count()).toBe(1);

		await open(admin, `/admin/tenants/${ACME_ID}`);
		// A blank reason is refused inside the dialog, which stays open with the name still typed.
		await admin.getByRole('button', { name: 'Suspend tenant', exact: true }).click();
		const dialog = admin.getByRole('alertdialog');
		await dialog.getByLabel('Reason for suspending').fill('   ');
		await dialog.getByLabel(TYPED_NAME).fill('Acme Inc');
		await dialog.getByRole('button', { name: 'Suspend tenant', exact: true }).click();
		await dialog
			.getByRole('alert')
			.filter({ hasText: 'Give a reason: the organisation’s members see it.' })
			.waitFor();
		expect(await status(admin).textContent()).toBe('active');
		expect(await dialog.getByLabel(TYPED_NAME).inputValue()).toBe('Acme Inc');
		await dialog.getByLabel('Reason for suspending').fill('Invoice ACME-2026-0001 is unpaid');
		await dialog.getByRole('button', { name: 'Suspend tenant', exact: true }).click();
		await dialog.waitFor({ state: 'hidden' });
		await toast(admin, 'Suspended').waitFor();
		expect(await status(admin).textContent()).toBe('suspended');
		await screenshot(admin, '32-admin-tenant-detail');

		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await open(owner, '/t/acme');
		await owner.getByRole('heading', { name: 'This organisation is suspended' }).waitFor();
		expect(await owner.getByText('Reason: Invoice ACME-2026-0001 is unpaid').count()).toBe(1);
		await screenshot(owner, '33-tenant-suspended-by-staff');

		await confirmAction(admin, 'Reactivate tenant', [
			['Reason for reactivating', 'Paid by wire on the phone']
		]);
		await toast(admin, 'Reactivated').waitFor();
		expect(await status(admin).textContent()).toBe('active');
		await open(owner, '/t/acme');
		await owner.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();
		expect(await owner.getByText('This organisation is suspended').count()).toBe(0);
	});

	it('verifies a manual payment with a note, which makes the subscription active', async () => {
		await open(admin, '/admin/payments');
		const card = admin.getByRole('article').filter({ hasText: 'Globex Corporation' });
		expect(await card.getByText('proofs/wire-transfer.pdf').count()).toBe(1);
		await screenshot(admin, '34-admin-payments');
		await confirmAction(
			admin,
			'Approve payment',
			[['Note for the tenant and the audit trail', 'Wire ref 991 received']],
			'Approve payment',
			card
		);
		await toast(admin, 'Payment approved: the subscription is active.').waitFor();
		await admin.getByText('No manual payment is waiting').waitFor();
		const verified = admin
			.getByRole('table', { name: 'Recently verified payments' })
			.locator('tbody tr')
			.filter({ hasText: 'Globex' });
		expect(await verified.innerText()).toContain('Wire ref 991 received');
		expect(await verified.innerText()).toContain('succeeded');

		await open(admin, '/admin/subscriptions?status=active');
		const globex = admin
			.getByRole('table', { name: 'Subscriptions' })
			.locator('tbody tr')
			.filter({ hasText: 'Globex Corporation' });
		expect(await globex.count()).toBe(1);
		expect(await globex.innerText()).toContain('Business');
		expect(
			await admin.getByRole('button', { name: 'pending verification 0' }).count(),
			'no subscription waits any more'
		).toBe(1);
		await screenshot(admin, '35-admin-subscriptions');
	});

	it('edits a plan, and answers bad input with field errors and the values kept', async () => {
		await open(admin, '/admin/plans');
		await screenshot(admin, '36-admin-plans');
		await admin.getByRole('link', { name: 'Pro' }).click();
		await admin.getByRole('heading', { name: 'Edit Pro' }).waitFor();
		await admin.waitForLoadState('networkidle');
		expect(await admin.getByLabel('Monthly price', { exact: true }).inputValue()).toBe('29.00');

		await admin.getByLabel('Monthly price', { exact: true }).fill('abc');
		await admin.getByLabel('Feature flags (JSON)').fill('[1, 2]');
		await admin.getByLabel('soft limit for members').fill('50');
		await admin.getByLabel('hard limit for members').fill('20');
		await admin.getByRole('button', { name: 'Save plan' }).click();
		await admin.getByText('Enter an amount such as 29 or 29.00.').waitFor();
		expect(await admin.getByText('Write the feature flags as a JSON object').count()).toBe(1);
		expect(await admin.getByText('The soft limit cannot be above the hard limit.').count()).toBe(1);
		expect(await admin.getByLabel('Monthly price', { exact: true }).inputValue()).toBe('abc');
		expect(await admin.getByLabel('soft limit for members').inputValue()).toBe('50');
		await screenshot(admin, '37-admin-plan-errors');

		await admin.getByLabel('Monthly price', { exact: true }).fill('35.00');
		await admin.getByLabel('Feature flags (JSON)').fill('{"sso": true, "support": "email"}');
		await admin.getByLabel('soft limit for members').fill('');
		await admin.getByLabel('hard limit for members').fill('25');
		await admin.getByRole('button', { name: 'Save plan' }).click();
		await admin.getByText('Plan pro saved.').waitFor();
		const pro = admin
			.getByRole('table', { name: 'Plans in catalogue order' })
			.locator('tbody tr')
			.filter({ hasText: 'pro' })
			.first();
		expect(await pro.innerText()).toContain('$35.00');

		await admin.getByRole('link', { name: 'Pro' }).click();
		await admin.getByRole('heading', { name: 'Edit Pro' }).waitFor();
		expect(await admin.getByLabel('hard limit for members').inputValue()).toBe('25');
		expect(await admin.getByLabel('Feature flags (JSON)').inputValue()).toContain('"sso": true');
	});

	it('shows the staff list and the revenue and usage charts', async () => {
		await open(admin, '/admin/staff');
		const staff = admin.getByRole('table', { name: 'Platform staff' }).locator('tbody tr');
		expect(await staff.count()).toBe(3);
		expect(await staff.filter({ hasText: 'support@tenantry.test' }).count()).toBe(1);
		await screenshot(admin, '38-admin-staff');
		expect(
			await staff.filter({ hasText: 'admin@tenantry.test' }).getByRole('button').count(),
			'nobody removes or demotes themselves here'
		).toBe(0);

		await admin.getByLabel('Email').fill('nobody@example.test');
		await admin.getByRole('button', { name: 'Add to staff' }).click();
		await admin.getByText('Nobody has an account with that email').waitFor();
		expect(await admin.getByLabel('Email').inputValue()).toBe('nobody@example.test');

		await admin.getByLabel('Email').fill('viewer@acme.test');
		await admin.getByLabel('Role', { exact: true }).selectOption('billing_admin');
		await admin.getByRole('button', { name: 'Add to staff' }).click();
		await toast(admin, 'viewer@acme.test joined the staff.').waitFor();
		const added = staff.filter({ hasText: 'viewer@acme.test' });
		expect(await added.getByTestId('staff-role').textContent()).toBe('Billing admin');
		await rowAction(admin, added, /^Remove/, 'Remove from staff');
		await toast(admin, 'Removed from the staff.').waitFor();
		expect(await staff.filter({ hasText: 'viewer@acme.test' }).count()).toBe(0);
		expect(await staff.count()).toBe(3);

		await open(admin, '/admin/revenue');
		await admin.getByRole('heading', { name: 'Revenue and usage', level: 1 }).waitFor();
		expect(await admin.getByRole('img', { name: /Revenue in USD, last 12 months/ }).count()).toBe(
			1
		);
		expect(await admin.locator('rect.bar').count(), 'a bar per month').toBe(12);
		expect(
			await admin
				.getByRole('img', { name: /API calls \(calls\) per day/ })
				.locator('polyline.line')
				.count()
		).toBe(1);
		expect(await admin.getByTestId('mrr-usd').textContent()).not.toBe('$0.00');
		await screenshot(admin, '39-admin-revenue');
	});

	it('support staff see no billing; a tenant owner gets the same 404 as a missing page', async () => {
		const support = await signIn(browser, app.url, 'support@tenantry.test');
		await open(support, '/admin');
		const nav = support.getByRole('navigation', { name: 'Admin sections' });
		expect(await nav.getByRole('link', { name: 'Tenants' }).count()).toBe(1);
		expect(await nav.getByRole('link', { name: 'Payments' }).count()).toBe(0);
		expect((await support.goto('/admin/payments'))?.status()).toBe(403);
		await open(support, `/admin/tenants/${ACME_ID}`);
		expect(await support.getByRole('button', { name: 'Suspend tenant' }).count()).toBe(0);

		const owner = await signIn(browser, app.url, 'owner@acme.test');
		const missing = await owner.goto('/no-such-page');
		expect(missing?.status()).toBe(404);
		const missingText = await owner.locator('body').innerText();
		for (const path of ['/admin', `/admin/tenants/${ACME_ID}`, '/admin/payments']) {
			expect((await owner.goto(path))?.status(), path).toBe(404);
			expect(await owner.locator('body').innerText(), path).toBe(missingText);
		}
		await screenshot(owner, '40-admin-404-for-tenant-owner');

		const anonymous = await (await browser.newContext({ baseURL: app.url })).newPage();
		await anonymous.goto('/admin/tenants');
		expect(anonymous.url()).toContain('/auth/sign-in?redirectTo=%2Fadmin%2Ftenants');
	});

	it('staff with an authenticator app use the console only after the second step', async () => {
		const finance = await signIn(browser, app.url, 'finance@tenantry.test');
		await open(finance, '/account/security');
		await finance.getByRole('button', { name: 'Set up an authenticator app' }).click();
		const secret = (await finance.getByTestId('totp-secret').textContent())!.trim();
		await finance.getByLabel('6-digit code').fill(totpCode(secret));
		await finance.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
		await finance.getByRole('list', { name: 'Recovery codes' }).waitFor();

		// A new sign-in stops at aal1: the console sends it to verify, then back.
		const later = await (await browser.newContext({ baseURL: app.url })).newPage();
		later.setDefaultTimeout(60_000);
		await submitSignIn(later, 'finance@tenantry.test');
		await later.getByRole('heading', { name: 'Two-factor check' }).waitFor();
		await open(later, '/admin/payments');
		expect(new URL(later.url()).pathname).toBe('/account/security');
		expect(new URL(later.url()).searchParams.get('redirectTo')).toBe('/admin/payments');
		await later
			.getByLabel('Code from your app or a recovery code')
			.fill(totpCode(secret, Date.now() + 30_000));
		await later.getByRole('button', { name: 'Verify' }).click();
		await later
			.getByRole('heading', { name: 'Payments awaiting verification', level: 1 })
			.waitFor();
		expect(new URL(later.url()).pathname).toBe('/admin/payments');
	});
});
