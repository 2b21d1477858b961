import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { totpCode } from '../../src/lib/server/auth/totp';
import type { App } from '../support/app';
import {
	caughtMail,
	appAndBrowser,
	screenshot,
	signIn,
	signOut,
	submitSignIn,
	toast,
	waitForMail
} from './harness';

const SEEDED_PASSWORD = 'password123!';
const NEW_PASSWORD = 'Correct-Horse-42';
const RESET_PASSWORD = 'Battery-Staple-77';

async function newPage(browser: Browser, app: App): Promise<Page> {
	return (await browser.newContext({ baseURL: app.url, acceptDownloads: true })).newPage();
}

async function security(page: Page): Promise<void> {
	await page.goto('/account/security', { waitUntil: 'networkidle' });
	await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
}

function sessionRows(page: Page) {
	return page.getByRole('region', { name: 'Where you are signed in' }).locator('tbody tr');
}

/** Confirms a destructive action in its alert dialog. */
async function confirm(page: Page, button: string): Promise<void> {
	await page.getByRole('alertdialog').getByRole('button', { name: button }).click();
}

/** The audit table's row ids on the current page, top to bottom. */
async function auditIds(page: Page): Promise<number[]> {
	const summaries = await page.locator('[data-testid="audit-row"] summary').allTextContents();
	return summaries.map((s) => Number(s.replace('Row ', '')));
}

describe('account, security and the audit log', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('profile, password change, TOTP enrolment, MFA at sign-in, step-up and sessions', async () => {
		const email = 'viewer@acme.test';
		const page = await signIn(browser, app.url, email, { acceptDownloads: true });

		await page.goto('/account', { waitUntil: 'networkidle' });
		expect(await page.getByText(email, { exact: true }).count()).toBeGreaterThan(0);
		await page.getByLabel('Display name').fill('Vint V. Viewer');
		await page.getByRole('button', { name: 'Save' }).click();
		await toast(page, 'Your name is saved.').waitFor();
		await page.reload({ waitUntil: 'networkidle' });
		expect(await page.getByLabel('Display name').inputValue()).toBe('Vint V. Viewer');
		await screenshot(page, '70-account-profile');

		// A second browser, to be signed out by the password change.
		const other = await signIn(browser, app.url, email, { acceptDownloads: true });

		await security(page);
		await screenshot(page, '71-account-security');
		await page.getByLabel('Current password').fill(SEEDED_PASSWORD);
		await page.getByLabel('New password').fill('short');
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.getByText('Use at least 10 characters.').waitFor();
		expect(await page.getByLabel('Current password').inputValue()).toBe('');
		await page.getByLabel('Current password').fill('not-my-password');
		await page.getByLabel('New password').fill(NEW_PASSWORD);
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.getByText('That is not your current password.').waitFor();
		await page.getByLabel('Current password').fill(SEEDED_PASSWORD);
		await page.getByLabel('New password').fill(NEW_PASSWORD);
		await page.getByRole('button', { name: 'Change password' }).click();
		await toast(page, 'Your password is changed. 1 other session was signed out.').waitFor();
		await other.goto('/account/security');
		expect(new URL(other.url()).pathname).toBe('/auth/sign-in');

		// Enrol an authenticator: the page shows the key and its QR code; the test is the app.
		await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
		const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
		expect(secret).toMatch(/^[A-Z2-7]{32}$/);
		expect(await page.locator('figure.qr svg path').count()).toBeGreaterThan(0);
		await screenshot(page, '72-account-totp-enrol');
		await page.getByLabel('6-digit code').fill(totpCode(secret));
		await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
		const codes = page.getByRole('list', { name: 'Recovery codes' }).locator('code');
		await codes.first().waitFor();
		const recoveryCodes = await codes.allTextContents();
		expect(recoveryCodes).toHaveLength(10);
		expect(await page.getByText('verified with a second factor (aal2)').count()).toBe(1);
		await screenshot(page, '73-account-recovery-codes');
		// The raised session's new cookies were set: a fresh load still says aal2.
		await security(page);
		expect(await page.getByText('verified with a second factor (aal2)').count()).toBe(1);
		expect(await page.getByText('Your recovery codes').count()).toBe(0);

		// Sign out and in again: the password alone gives the second step, not the app.
		await signOut(page);
		await page.waitForURL((url) => url.pathname === '/');
		await submitSignIn(page, email, NEW_PASSWORD);
		await page.getByRole('heading', { name: 'Two-factor check' }).waitFor();
		await screenshot(page, '74-auth-mfa');
		await page.getByLabel('Code').fill('12345');
		await page.getByRole('button', { name: 'Verify' }).click();
		await page.getByText('Enter the 6-digit code from your app, or a recovery code').waitFor();
		// The enrolment used this step's code, and a code is never accepted twice: use the next one.
		await page.getByLabel('Code').fill(totpCode(secret, Date.now() + 30_000));
		await page.getByRole('button', { name: 'Verify' }).click();
		await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
		await security(page);
		expect(await page.getByText('verified with a second factor (aal2)').count()).toBe(1);

		// A second browser stops at aal1 and steps up later from the security page, by recovery code.
		const second = await newPage(browser, app);
		await submitSignIn(second, email, NEW_PASSWORD);
		await second.getByRole('heading', { name: 'Two-factor check' }).waitFor();
		await security(second);
		expect(await second.getByText('password only (aal1)').count()).toBe(1);
		await second.getByLabel('Code from your app or a recovery code').fill(recoveryCodes[0]!);
		await second.getByRole('button', { name: 'Verify' }).click();
		await toast(second, 'Verified').waitFor();
		await security(second);
		expect(await second.getByText('verified with a second factor (aal2)').count()).toBe(1);

		const third = await newPage(browser, app);
		await submitSignIn(third, email, NEW_PASSWORD);
		await third.getByRole('heading', { name: 'Two-factor check' }).waitFor();

		await security(page);
		expect(await sessionRows(page).count()).toBe(3);
		expect(await sessionRows(page).filter({ hasText: 'this session' }).count()).toBe(1);
		await screenshot(page, '75-account-sessions');
		await sessionRows(page).getByRole('button', { name: 'Sign out' }).first().click();
		await confirm(page, 'Sign out the device');
		await toast(page, 'The session was signed out.').waitFor();
		expect(await sessionRows(page).count()).toBe(2);
		await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
		await confirm(page, 'Sign out the others');
		await toast(page, '1 other session was signed out.').waitFor();
		expect(await sessionRows(page).count()).toBe(1);
		for (const gone of [second, third]) {
			await gone.goto('/account/security');
			expect(new URL(gone.url()).pathname).toBe('/auth/sign-in');
		}

		// Removing the app (this session is aal2) turns two-factor authentication off again.
		await page.getByRole('button', { name: 'Remove' }).click();
		await confirm(page, 'Remove the app');
		await toast(page, 'The authenticator app was removed.').waitFor();
		await page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor();
	});

	it('forgot and reset password through the mail catcher, the same answer for unknown addresses', async () => {
		const page = await newPage(browser, app);
		await page.goto('/auth/sign-in', { waitUntil: 'networkidle' });
		await page.getByRole('link', { name: 'Forgot your password?' }).click();
		await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
		await page.getByLabel('Email').fill('nobody@nowhere.test');
		await page.getByRole('button', { name: 'Send the link' }).click();
		const unknown = await page.getByRole('status').textContent();

		await page.goto('/auth/forgot-password', { waitUntil: 'networkidle' });
		await page.getByLabel('Email').fill('admin@acme.test');
		await page.getByRole('button', { name: 'Send the link' }).click();
		const known = await page.getByRole('status').textContent();
		expect(known!.replace('admin@acme.test', 'X')).toBe(
			unknown!.replace('nobody@nowhere.test', 'X')
		);
		await screenshot(page, '76-auth-forgot-password');

		const mail = await waitForMail(app.mailUrl, 'admin@acme.test', 'Reset your password');
		const link = mail.links.find((l) => l.includes('/auth/reset-password?token='));
		expect(link).toBeTruthy();
		expect(await caughtMail(app.mailUrl, 'nobody@nowhere.test')).toEqual([]);
		await page.goto(link!, { waitUntil: 'networkidle' });
		await page.getByLabel('New password').fill('admin');
		await page.getByRole('button', { name: 'Set the password' }).click();
		await page.getByText('Use at least 10 characters.').waitFor();
		await page.getByLabel('New password').fill(RESET_PASSWORD);
		await screenshot(page, '77-auth-reset-password');
		await page.getByRole('button', { name: 'Set the password' }).click();
		await page.getByText('Your new password is set. Sign in with it.').waitFor();

		await page.goto(link!, { waitUntil: 'networkidle' });
		await page.getByLabel('New password').fill('Another-Password-9');
		await page.getByRole('button', { name: 'Set the password' }).click();
		await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();

		await signIn(browser, app.url, 'admin@acme.test', {
			password: RESET_PASSWORD,
			acceptDownloads: true
		});
	});

	it('audit log: chain status, filters, keyset pages and exports for audit.read holders only', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/audit', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
		const chain = owner.getByRole('region', { name: 'Tamper evidence' });
		expect(await chain.getByText('Chain verified').count()).toBe(0);
		await chain.getByRole('button', { name: 'Verify the chain' }).click();
		await chain.getByText('Chain verified').waitFor();
		expect((await chain.getByRole('status').textContent())!.replace(/\s+/g, ' ')).toMatch(
			/[1-9]\d* rows sealed · \d+ waiting for a seal .* checked /
		);

		const first = await auditIds(owner);
		expect(first).toHaveLength(50);
		expect([...first].sort((a, b) => b - a)).toEqual(first);
		expect(await owner.getByRole('button', { name: '← Newer' }).count()).toBe(0);
		await screenshot(owner, '78-audit-log');

		await owner.getByRole('button', { name: 'Older →' }).click();
		await owner.waitForURL(/before=/);
		const second = await auditIds(owner);
		expect(second.length).toBeGreaterThan(0);
		expect(Math.max(...second)).toBeLessThan(Math.min(...first));
		await owner.getByRole('button', { name: '← Newer' }).click();
		await owner.waitForURL(/after=/);
		expect(await auditIds(owner)).toEqual(first);

		await owner.goto('/t/acme/audit', { waitUntil: 'networkidle' });
		await owner.getByLabel('Action starts with').fill('teams.delete');
		await owner.getByRole('button', { name: 'Filter' }).click();
		await owner.waitForURL(/action=teams.delete/);
		expect(await owner.getByLabel('Action starts with').inputValue()).toBe('teams.delete');
		const actions = (await owner.getByTestId('audit-action').allTextContents()).map((a) =>
			a.trim()
		);
		expect(actions).toHaveLength(10);
		expect(new Set(actions)).toEqual(new Set(['teams.delete']));
		expect(await owner.getByRole('button', { name: 'Older →' }).count()).toBe(0);
		await owner.locator('[data-testid="audit-row"] summary').first().click();
		const diff = owner.locator('table.diff').first();
		await diff.waitFor();
		expect(await diff.locator('th[scope="row"]', { hasText: 'name' }).count()).toBe(1);
		expect(await diff.textContent()).toContain('Squad');
		await screenshot(owner, '79-audit-filtered');

		const [csv] = await Promise.all([
			owner.waitForEvent('download'),
			owner.getByRole('button', { name: 'Download CSV' }).click()
		]);
		expect(csv.suggestedFilename()).toMatch(/^acme-audit-\d{4}-\d{2}-\d{2}\.csv$/);
		const lines = readFileSync((await csv.path())!, 'utf8')
			.trimEnd()
			.split('\r\n');
		expect(lines[0]).toBe(
			'id,created_at,actor_type,actor,action,target_type,target_id,old_values,new_values,ip,user_agent'
		);
		expect(lines).toHaveLength(11);
		for (const line of lines.slice(1)) expect(line).toContain(',"teams.delete","teams",');

		const [ndjson] = await Promise.all([
			owner.waitForEvent('download'),
			owner.getByRole('button', { name: 'Download NDJSON' }).click()
		]);
		expect(ndjson.suggestedFilename()).toMatch(/\.ndjson$/);
		const records = readFileSync((await ndjson.path())!, 'utf8')
			.trimEnd()
			.split('\n')
			.map((l) => JSON.parse(l));
		expect(records).toHaveLength(10);
		expect(records.every((r) => r.action === 'teams.delete' && r.old_values.name)).toBe(true);
		expect(records.map((r) => Number(r.id))).toEqual(
			records.map((r) => Number(r.id)).sort((a, b) => a - b)
		);
		const response = await owner.request.get('/t/acme/audit/export?format=ndjson');
		expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="acme-audit-/);
		expect(response.headers()['content-type']).toContain('application/x-ndjson');
		const all = (await response.text()).trimEnd().split('\n');
		expect(all.length).toBeGreaterThan(first.length + second.length - 1);

		await owner.goto('/t/acme/audit?from=2026-12-02&to=2026-12-01', { waitUntil: 'networkidle' });
		await owner.getByText('The end date is before the start date.').waitFor();
		expect(await owner.getByLabel('From').inputValue()).toBe('2026-12-02');

		const developer = await signIn(browser, app.url, 'dev@acme.test');
		await developer.goto('/t/acme', { waitUntil: 'networkidle' });
		expect(await developer.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
		const refused = await developer.goto('/t/acme/audit');
		expect(refused?.status()).toBe(403);
		expect(await developer.locator('body').innerText()).toContain('audit.read');
		await screenshot(developer, '80-audit-refused');
		expect((await developer.request.get('/t/acme/audit/export?format=csv')).status()).toBe(403);
	});
});
