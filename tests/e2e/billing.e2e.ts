import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, screenshot, signIn, toast } from './harness';

const PDF = Buffer.from(
	'%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'
);

describe('billing and usage pages, with the fake Stripe', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('usage: a chart per metric over 30 days with its limit lines, current totals against the plan', async () => {
		await owner.goto('/t/acme/usage', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
		const apiChart = owner.getByRole('img', {
			name: /API calls, total since the start of each month/
		});
		expect(await apiChart.count()).toBe(1);
		expect(await apiChart.locator('[data-limit="hard"]').count()).toBe(1);
		expect(await apiChart.locator('[data-limit="soft"]').count()).toBe(1);
		expect(await apiChart.locator('polyline').count()).toBe(1);
		expect(
			await owner.getByRole('img', { name: 'API calls per day' }).locator('rect').count()
		).toBe(30);
		expect(await owner.getByTestId('current-projects').innerText()).toMatch(/^2 projects/);
		await owner.getByText('API calls as a table').click();
		expect(await owner.locator('details[open] tbody tr').count()).toBe(30);
		await screenshot(owner, '24-usage');
	});

	it('a tenant owner uploads a payment proof: checked by its bytes, then pending verification', async () => {
		await owner.goto('/t/acme/billing', { waitUntil: 'networkidle' });
		expect(await owner.getByTestId('plan-name').innerText()).toBe('Pro');
		expect(await owner.getByTestId('next-invoice').innerText()).toMatch(/^\$29\.00 on /);
		await screenshot(owner, '24-billing');

		const file = owner.locator('#field-proof-file');
		await file.setInputFiles({
			name: 'receipt.pdf',
			mimeType: 'application/pdf',
			buffer: Buffer.from('not a pdf')
		});
		await owner.getByRole('button', { name: 'Submit payment proof' }).click();
		await owner.getByText('Attach a PDF, PNG or JPEG file.').waitFor();

		// Attack 3.5: a transfer of one cent for a month of Pro.
		await owner.locator('#field-proof-amount').fill('0.01');
		await file.setInputFiles({ name: 'receipt.pdf', mimeType: 'application/pdf', buffer: PDF });
		await owner.getByRole('button', { name: 'Submit payment proof' }).click();
		await owner.getByText('Payment proof received: it is pending verification').waitFor();
		await owner.reload({ waitUntil: 'networkidle' });
		expect(await owner.getByTestId('subscription-status').innerText()).toBe('Pending verification');
		expect(await owner.getByTestId('pending-payment').innerText()).toMatch(
			/\$0\.01 for Pro is pending verification/
		);
		expect(await owner.getByTestId('expected-amount').innerText()).toMatch(
			/^The amount due is \$29\.00: our billing team decides/
		);

		// Billing staff open the very file, approve it, and the tenant is active on Pro.
		const finance = await signIn(browser, app.url, 'finance@tenantry.test');
		await finance.goto('/admin/payments', { waitUntil: 'networkidle' });
		const card = finance.getByRole('article').filter({ hasText: 'Acme Inc' });
		const [download] = await Promise.all([
			finance.waitForEvent('download'),
			card.getByRole('link', { name: 'Download the proof' }).click()
		]);
		const saved = await download.createReadStream();
		const chunks: Buffer[] = [];
		for await (const chunk of saved) chunks.push(chunk as Buffer);
		expect(Buffer.concat(chunks).equals(PDF)).toBe(true);
		expect(await card.getByTestId('declared-amount').innerText()).toBe('$0.01');
		expect(await card.getByTestId('expected-amount').innerText()).toMatch(
			/^\$29\.00\s*Differs from the amount due$/
		);
		// Approving asks first; the refusals answer inside the dialog, which keeps what was typed.
		await card.getByRole('button', { name: 'Approve payment' }).click();
		const dialog = finance.getByRole('alertdialog', { name: /^Approve \$0\.01 from Acme Inc\?$/ });
		const approve = dialog.getByRole('button', { name: 'Approve payment' });
		await dialog
			.getByLabel('Note for the tenant and the audit trail')
			.fill('Transfer seen on the statement');
		await approve.click();
		await dialog
			.getByRole('alert')
			.filter({ hasText: 'The amount paid differs from the amount due' })
			.waitFor();
		expect(
			await dialog.getByLabel('Note for the tenant and the audit trail').inputValue(),
			'the note is kept'
		).toBe('Transfer seen on the statement');
		await dialog.getByLabel('Approve $0.01 instead of $29.00 due').check();
		await approve.click();
		await dialog
			.getByRole('alert')
			.filter({ hasText: 'Give a reason of 1–500 characters.' })
			.waitFor();
		expect(await dialog.getByLabel('Approve $0.01 instead of $29.00 due').isChecked()).toBe(true);
		await dialog
			.getByLabel('Why this amount is accepted (kept in the audit trail)')
			.fill('The rest arrived by cheque');
		await approve.click();
		await dialog.waitFor({ state: 'hidden' });
		await toast(finance, 'Payment approved: the subscription is active.').waitFor();
		await owner.reload({ waitUntil: 'networkidle' });
		expect(await owner.getByTestId('subscription-status').innerText()).toBe('Active');
	});

	it('the owner upgrades through the fake checkout, then downgrades with the proration shown first', async () => {
		await owner.goto('/t/acme/billing', { waitUntil: 'networkidle' });
		await owner.locator('#field-change-plan').selectOption('business');
		await owner.locator('#field-change-interval').selectOption('month');
		await owner.getByRole('button', { name: 'Preview the change' }).click();
		await owner.getByRole('heading', { name: 'Subscribe to Business (monthly)' }).waitFor();
		expect(await owner.getByTestId('amount-due').innerText()).toBe('$99.00');
		await owner.getByRole('button', { name: 'Continue to payment' }).click();

		await owner.waitForURL(/\/dev\/stripe\/checkout\/cs_test_/);
		await owner.waitForLoadState('networkidle');
		await owner.getByRole('heading', { name: 'Subscribe to Business' }).waitFor();
		await expect(owner.getByTestId('stripe-stand-in').innerText()).resolves.toMatch(
			/^This is not Stripe\. It is Tenantry's stand-in for Stripe/
		);
		await screenshot(owner, '24-fake-checkout');
		await owner.getByLabel('Card number').fill('4000 0000 0000 0002');
		await owner.getByRole('button', { name: 'Pay $99.00' }).click();
		await owner.getByText('Your card was declined.').waitFor();
		// The refusal is a fresh page: typing before it hydrates would be reset to the kept value.
		await owner.waitForLoadState('networkidle');
		await owner.getByLabel('Card number').fill('4242 4242 4242 4242');
		await owner.getByRole('button', { name: 'Pay $99.00' }).click();

		await owner.waitForURL(/\/t\/acme\/billing\?checkout=cs_test_/, { waitUntil: 'networkidle' });
		await owner.getByText('Payment received').waitFor();
		expect(await owner.getByTestId('plan-name').innerText()).toBe('Business');
		expect(await owner.getByTestId('subscription-status').innerText()).toBe('Active');
		expect(await owner.getByText('$99.00 per month (card, through Stripe)').count()).toBe(1);
		expect(
			await owner.locator('[data-slot="data-table"] tbody tr', { hasText: '$99.00' }).count()
		).toBeGreaterThan(0);

		await owner.locator('#field-change-plan').selectOption('pro');
		await owner.getByRole('button', { name: 'Preview the change' }).click();
		await owner.getByRole('heading', { name: 'Change to Pro (monthly)' }).waitFor();
		await owner.getByText(/^Unused time on Business after /).waitFor();
		await owner.getByText(/^Remaining time on Pro after /).waitFor();
		expect(await owner.getByTestId('proration-total').innerText()).toMatch(/^-\$\d+\.\d\d$/);
		expect(await owner.getByTestId('amount-due').innerText()).toBe('$0.00');
		await screenshot(owner, '24-billing-proration');
		await owner.getByRole('button', { name: 'Confirm the change' }).click();
		await owner.getByText('Your plan was changed.').waitFor();
		expect(await owner.getByTestId('plan-name').innerText()).toBe('Pro');

		await owner.getByRole('button', { name: 'Manage cards in the customer portal' }).click();
		await owner.waitForURL(/\/dev\/stripe\/portal\/bps_/);
		await owner.waitForLoadState('networkidle');
		await expect(owner.getByTestId('stripe-stand-in').innerText()).resolves.toMatch(
			/^This is not Stripe\. It is Tenantry's stand-in for Stripe/
		);
		await owner.getByRole('button', { name: 'Add card' }).click();
		await toast(owner, 'Card added and made the default.').waitFor();
		await screenshot(owner, '24-fake-portal');
		await owner.getByRole('button', { name: 'Return to Tenantry' }).click();
		await owner.waitForURL(/\/t\/acme\/billing$/);
		await owner.getByText(/mastercard\s+•••• 4444/i).waitFor();

		await owner.getByRole('link', { name: 'ACME-2026-0001' }).click();
		await owner.getByRole('heading', { name: 'Invoice ACME-2026-0001', level: 1 }).waitFor();
		expect(
			await owner.getByRole('row', { name: /Pro \(monthly\) 1 \$29\.00 \$29\.00/ }).count()
		).toBe(1);
		await screenshot(owner, '24-invoice');
		await owner.goBack({ waitUntil: 'networkidle' });

		await owner.getByRole('button', { name: 'Cancel at period end' }).click();
		await owner
			.getByRole('alertdialog')
			.getByRole('button', { name: 'Cancel at period end' })
			.click();
		await toast(owner, 'Your subscription ends at the end of this period.').waitFor();
		await owner.getByRole('button', { name: 'Resume subscription' }).waitFor();
	});

	it('billing is read-only without billing.manage, and closed without billing.read', async () => {
		const admin = await signIn(browser, app.url, 'admin@acme.test');
		await admin.goto('/t/acme/billing', { waitUntil: 'networkidle' });
		expect(await admin.getByTestId('plan-name').innerText()).toBe('Pro');
		await admin.getByText('You can see billing but not change it').waitFor();
		for (const name of ['Preview the change', 'Resume subscription', 'Submit payment proof']) {
			expect(await admin.getByRole('button', { name }).count()).toBe(0);
		}
		await screenshot(admin, '24-billing-read-only');
		const refused = await admin.request.post('/t/acme/billing?/cancel', {
			form: { cancel: 'true' },
			headers: { origin: app.url }
		});
		expect(refused.status()).toBe(403);

		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		expect((await viewer.goto('/t/acme/billing'))?.status()).toBe(403);
	});

	it('a tenant that billing suspended still sees its billing, pays by card and is active again', async () => {
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			await db.query(`select private.set_tenant_status(t.id, 'suspended', private.billing_suspension_reason(),
				'tenant.suspend') from public.tenants t where t.slug = 'globex'`);
		} finally {
			await db.end();
		}
		const billing = await signIn(browser, app.url, 'billing@globex.test');
		await billing.goto('/t/globex/billing', { waitUntil: 'networkidle' });
		await billing.getByRole('heading', { name: 'This organisation is suspended' }).waitFor();
		await billing.getByText('Billing suspended Globex').waitFor();
		expect(await billing.getByTestId('plan-name').innerText()).toBe('Business');
		await screenshot(billing, '24-billing-suspended');

		expect(await billing.getByRole('button', { name: 'Cancel at period end' }).count()).toBe(0);
		await billing.locator('#field-change-plan').selectOption('pro');
		await billing.locator('#field-change-interval').selectOption('month');
		await billing.getByRole('button', { name: 'Preview the change' }).click();
		await billing.getByRole('button', { name: 'Continue to payment' }).click();
		await billing.waitForURL(/\/dev\/stripe\/checkout\/cs_test_/);
		await billing.waitForLoadState('networkidle');
		await billing.getByRole('button', { name: 'Pay $29.00' }).click();
		await billing.waitForURL(/\/t\/globex\/billing\?checkout=/);
		expect(await billing.getByTestId('subscription-status').innerText()).toBe('Active');
		expect(
			await billing.getByRole('heading', { name: 'This organisation is suspended' }).count()
		).toBe(0);
	});
});

/**
 * Issue 11 §10: the app opened on 127.0.0.1 while PUBLIC_URL (where the fake's checkout lives) is
 * localhost. Chromium checks the CSP's form-action on the 303 to checkout and on the fake's 303
 * back: both hosts must be permitted, or the payment never starts or never comes back.
 */
describe('checkout from another host than PUBLIC_URL', () => {
	let app: App;
	let browser: Browser;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('the redirect to the fake checkout on localhost and back to 127.0.0.1 completes in Chromium', async () => {
		const publicUrl = new URL(app.url);
		expect(publicUrl.hostname).toBe('localhost');
		const otherHost = `http://127.0.0.1:${publicUrl.port}`;
		const owner = await signIn(browser, otherHost, 'owner@acme.test');
		const blocked: string[] = [];
		owner.on('console', (message) => {
			if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
		});

		await owner.goto('/t/acme/billing', { waitUntil: 'networkidle' });
		await owner.locator('#field-change-plan').selectOption('business');
		await owner.locator('#field-change-interval').selectOption('month');
		await owner.getByRole('button', { name: 'Preview the change' }).click();
		await owner.getByRole('heading', { name: 'Subscribe to Business (monthly)' }).waitFor();
		await owner.getByRole('button', { name: 'Continue to payment' }).click();

		await owner.waitForURL(new RegExp(`^${app.url}/dev/stripe/checkout/cs_test_`));
		await owner.waitForLoadState('networkidle');
		await owner.getByLabel('Card number').fill('4242 4242 4242 4242');
		await owner.getByRole('button', { name: 'Pay $99.00' }).click();

		await owner.waitForURL(new RegExp(`^${otherHost}/t/acme/billing\\?checkout=cs_test_`), {
			waitUntil: 'networkidle'
		});
		await owner.getByText('Payment received').waitFor();
		expect(await owner.getByTestId('plan-name').innerText()).toBe('Business');
		expect(blocked).toEqual([]);
	});
});
