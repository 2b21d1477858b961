import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, signIn, toast } from './harness';

describe('API keys page', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('creates a key shown once, lists it by prefix and last four, and revokes it after a confirmation', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/settings/api-keys', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
		expect(
			await owner.getByRole('row').filter({ hasText: 'Demo integration' }).textContent(),
			'the seeded demo key is listed, masked'
		).toContain('tnt_test_DemoAcme…RKS1');

		// Bad input: no permission ticked — a sentence, the name kept, nothing created.
		await owner.getByLabel('Name', { exact: true }).fill('E2E export job');
		await owner.getByRole('button', { name: 'Create key' }).click();
		await owner.getByText('Tick at least one permission for the key.').waitFor();
		expect(await owner.getByLabel('Name', { exact: true }).inputValue()).toBe('E2E export job');
		expect(await owner.getByTestId('revealed-key').count()).toBe(0);

		await owner.getByRole('checkbox', { name: /^projects\.read\b/ }).check();
		await owner.getByRole('checkbox', { name: /^audit\.read\b/ }).check();
		await owner.getByRole('button', { name: 'Create key' }).click();
		const revealed = owner.getByTestId('revealed-key');
		await revealed.waitFor();
		const key = (await owner.getByLabel('The new API key').textContent())!.trim();
		expect(key).toMatch(/^tnt_live_[0-9A-Za-z]{38}$/);
		await owner
			.getByText(/was created/)
			.first()
			.waitFor();
		await screenshot(owner, '60-api-key-created');

		const row = owner.getByRole('row').filter({ hasText: 'E2E export job' });
		expect(await row.textContent()).toContain(`${key.slice(0, 17)}…${key.slice(-4)}`);
		expect(await row.textContent()).toContain('Active');

		// Shown once: after a reload the page no longer holds it anywhere.
		await owner.reload({ waitUntil: 'networkidle' });
		expect(await owner.getByTestId('revealed-key').count()).toBe(0);
		expect(await owner.content()).not.toContain(key);

		// Rotate asks first, then shows the new key once; the old one works through the overlap.
		await row.getByRole('button', { name: 'Rotate', exact: true }).click();
		const dialog = owner.getByRole('alertdialog');
		await dialog.getByLabel('Old key keeps working').selectOption({ label: '1 hour' });
		await dialog.getByRole('button', { name: 'Rotate key' }).click();
		await toast(owner, /was rotated/).waitFor();
		const rotated = (await owner.getByLabel('The new API key').textContent())!.trim();
		expect(rotated).toMatch(/^tnt_live_[0-9A-Za-z]{38}$/);
		expect(rotated).not.toBe(key);
		const oldRow = owner.getByRole('row').filter({ hasText: key.slice(0, 17) });
		const newRow = owner.getByRole('row').filter({ hasText: rotated.slice(0, 17) });
		expect(await oldRow.textContent()).toContain('Rotated (overlap)');
		expect(await newRow.textContent()).toContain('Active');

		// Revoke asks first; cancelling changes nothing.
		await newRow.getByRole('button', { name: 'Revoke', exact: true }).click();
		await dialog.getByText('Everything using this key stops working').waitFor();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		expect(await newRow.textContent()).toContain('Active');

		await newRow.getByRole('button', { name: 'Revoke', exact: true }).click();
		await dialog.getByRole('button', { name: 'Revoke key' }).click();
		await toast(owner, 'The key was revoked: its next request is refused.').waitFor();
		await owner.waitForLoadState('networkidle');
		expect(await newRow.textContent()).toContain('Revoked');
		expect(await newRow.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(0);
	});

	it('a viewer sees no API keys page', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		const answer = await viewer.goto('/t/acme/settings/api-keys');
		expect(answer?.status()).toBe(403);
	});
});
