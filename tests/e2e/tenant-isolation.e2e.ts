import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, signIn } from './harness';

describe('two people in two tenants', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('each sees their own tenant and gets the same 404 for the other and for one that does not exist', async () => {
		const acme = await signIn(browser, app.url, 'owner@acme.test');
		expect(await acme.getByRole('link', { name: 'Acme Inc' }).count()).toBe(1);
		expect(await acme.getByText('Globex').count()).toBe(0);

		await acme.getByRole('link', { name: 'Acme Inc' }).click();
		await acme.getByRole('heading', { name: 'Acme Inc', level: 1 }).waitFor();
		const members = acme.getByRole('group', { name: 'Members' }).getByText(/^\d+$/);
		expect(Number(await members.textContent())).toBeGreaterThan(1);
		await screenshot(acme, '08-tenant-dashboard');

		const foreign = await acme.goto('/t/globex');
		const missing = await acme.request.get('/t/no-such-tenant');
		expect(foreign?.status()).toBe(404);
		expect(missing.status()).toBe(404);
		const foreignText = await acme.locator('body').innerText();
		await screenshot(acme, '09-foreign-tenant-404');
		await acme.goto('/t/no-such-tenant');
		expect(await acme.locator('body').innerText()).toBe(foreignText);

		const globex = await signIn(browser, app.url, 'owner@globex.test');
		expect((await globex.goto('/t/acme'))?.status()).toBe(404);
		expect((await globex.goto('/t/globex'))?.status()).toBe(200);
		expect(await globex.getByRole('heading', { level: 1 }).textContent()).toContain('Globex');

		const anonymous = await (await browser.newContext({ baseURL: app.url })).newPage();
		await anonymous.goto('/t/acme');
		expect(anonymous.url()).toContain('/auth/sign-in?redirectTo=%2Ft%2Facme');
	});
});
