import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, signOut, waitForMail } from './harness';

describe('sign up, confirm through the mail catcher, sign in, create an organisation', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('walks a new person through it in Chromium', async () => {
		const email = `ada.${Date.now()}@example.test`;
		const password = 'correct horse 42';
		const page = await (await browser.newContext({ baseURL: app.url })).newPage();

		await page.goto('/', { waitUntil: 'networkidle' });
		await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
			'secured in Postgres'
		);
		await screenshot(page, '01-landing');

		await page.getByRole('link', { name: 'Create an account' }).click();
		await page.waitForLoadState('networkidle');
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill('short');
		await page.getByRole('button', { name: 'Create account' }).click();
		const passwordErrors = page.locator('#field-password-errors');
		await passwordErrors.waitFor();
		expect(await passwordErrors.textContent()).toMatch(/10/);
		expect(await page.getByLabel('Email').inputValue()).toBe(email);
		await screenshot(page, '02-sign-up-errors');

		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Create account' }).click();
		await page.getByRole('heading', { name: 'Check your email' }).waitFor();
		await screenshot(page, '03-check-email');

		await page.goto('/auth/sign-in', { waitUntil: 'networkidle' });
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('alert').waitFor();
		expect(await page.getByRole('alert').textContent()).toContain('Confirm your email');

		// The mail arrived over SMTP at the catcher, whose inbox is on its own port, not the app's.
		const caught = await waitForMail(app.mailUrl, email, 'Confirm your email');
		expect(caught.links[0]).toMatch(new RegExp(`^${app.url}/auth/confirm\\?token=`));
		expect(new URL(app.mailUrl).port).not.toBe(new URL(app.url).port);
		await page.goto(`${app.mailUrl}/?to=${encodeURIComponent(email)}`);
		await screenshot(page, '04-mail-catcher');
		const mail = page.getByRole('article').filter({ hasText: 'Confirm your email' }).first();
		await mail.getByRole('link').first().click();
		await page.getByRole('heading', { name: 'Email confirmed' }).waitFor();
		await page.waitForLoadState('networkidle');
		await screenshot(page, '05-confirmed');

		await page.getByRole('link', { name: 'Sign in' }).click();
		await page.getByRole('heading', { name: 'Sign in' }).waitFor();
		await page.waitForLoadState('networkidle');
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill('wrong password 1');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('alert').waitFor();
		expect(await page.getByRole('alert').textContent()).toContain('not correct');
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
		await page.waitForLoadState('networkidle');
		expect(await page.getByText(`Signed in as ${email}`).count()).toBe(1);
		await screenshot(page, '06-app-empty');

		const cookies = await page.context().cookies();
		const access = cookies.find((c) => c.name === 'tenantry_access');
		expect(access).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

		await page.getByLabel('Name').fill('Initech');
		await page.getByLabel('Address').fill('acme');
		await page.getByRole('button', { name: 'Create organisation' }).click();
		await page.getByText('That address is taken.').waitFor();
		await page.getByLabel('Address').fill(`initech-${Date.now() % 100000}`);
		await page.getByRole('button', { name: 'Create organisation' }).click();
		await page.getByRole('heading', { name: 'Initech', level: 1 }).waitFor();
		await page.goto('/app', { waitUntil: 'networkidle' });
		await page.getByRole('listitem').filter({ hasText: 'Initech' }).waitFor();
		await screenshot(page, '07-app-with-tenant');

		expect(await page.getByRole('listitem').filter({ hasText: 'Acme' }).count()).toBe(0);

		await signOut(page);
		await page.waitForURL(`${app.url}/`);
		await page.goto('/app');
		await page.waitForURL(/\/auth\/sign-in\?redirectTo=%2Fapp/);
	});
});
