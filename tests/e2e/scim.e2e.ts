/**
 * The SCIM settings page in Chromium (one sign-in: Acme's owner, with the seeded "Okta (demo)"
 * token, supabase/seeds/38_scim.sql): a new token is shown once and provisions through the `scim`
 * edge function (served in Deno beside the app, on loopback); the group it pushes appears as a
 * team and is mapped to a role; the request shows in the log; rotating shows a new token and the
 * old one is refused; revoking stops one. The page passes axe and fits a 390-px phone in light and
 * dark (screenshots in test-results/screenshots/scim/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { putOnPlan } from '../support/plans';
import { serveFunctions, type ServedFunctions } from '../support/scim';
import { launchBrowser, screenshot, signIn } from './harness';

const PAGE = '/t/acme/settings/scim';

describe('SCIM settings', () => {
	let app: App;
	let functions: ServedFunctions;
	let browser: Browser;
	let owner: Page;

	beforeAll(async () => {
		app = await startApp();
		// SCIM needs the Business plan; the seed puts Acme on Pro.
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		await putOnPlan((text, params) => db.query(text, params), 'acme');
		await db.end();
		functions = await serveFunctions(app.databaseUrl);
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		functions?.stop();
		await app?.stop();
	});

	const scim = (token: string, method: string, path: string, body?: unknown) =>
		fetch(`${functions.url}/scim/acme/v2${path}`, {
			method,
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});

	it('shows a new token once; it provisions a group the page maps to a role; rotate and revoke', async () => {
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'SCIM' }).click();
		await owner.getByRole('heading', { name: 'SCIM provisioning', level: 1 }).waitFor();
		await expect
			.poll(() => owner.getByTestId('base-url').textContent())
			.toMatch(/\/functions\/v1\/scim\/acme\/v2$/);
		await expect
			.poll(() => owner.locator('[data-token-id]', { hasText: 'Okta (demo)' }).count())
			.toBe(1);

		await owner.getByLabel("New token's name").fill('Entra ID');
		await owner.getByRole('button', { name: 'Create token' }).click();
		const revealed = owner.getByLabel('The new SCIM token');
		await revealed.waitFor();
		const token = (await revealed.textContent())!.trim();
		expect(token).toMatch(/^tnt_scim_[A-Za-z0-9_-]{43}$/);

		const user = await scim(token, 'POST', '/Users', {
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
			userName: 'dev@acme.test'
		});
		expect(user.status).toBe(201);
		const { id } = (await user.json()) as { id: string };
		const group = await scim(token, 'POST', '/Groups', {
			displayName: 'Release managers',
			members: [{ value: id }]
		});
		expect(group.status).toBe(201);

		await owner.goto(PAGE, { waitUntil: 'networkidle' });
		expect(await owner.getByText(token).count(), 'a token is shown once').toBe(0);
		const row = owner.getByRole('row', { name: /Release managers/ });
		await expect.poll(() => row.getByRole('cell').nth(2).textContent()).toBe('1');
		await row.getByLabel('Role for Release managers').selectOption({ label: 'Developer' });
		await row.getByRole('button', { name: 'Save' }).click();
		await owner.getByText('The group’s members now hold that role too.').waitFor();
		await expect
			.poll(() => owner.getByRole('row', { name: /POST \/v2\/Groups/ }).count())
			.toBeGreaterThanOrEqual(1);

		const tokenRow = owner.getByRole('row', { name: /Entra ID/ });
		await tokenRow.getByRole('button', { name: 'Rotate' }).click();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Rotate token' }).click();
		await owner.getByLabel('The new SCIM token').waitFor();
		const rotated = (await owner.getByLabel('The new SCIM token').textContent())!.trim();
		expect(rotated).not.toBe(token);
		expect((await scim(token, 'GET', '/Users')).status, 'the rotated token is refused').toBe(401);
		expect((await scim(rotated, 'GET', '/Users')).status).toBe(200);

		await owner.goto(PAGE, { waitUntil: 'networkidle' });
		const active = owner.getByRole('row', { name: /Entra ID.*Active/ });
		await active.getByRole('button', { name: 'Revoke' }).click();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Revoke token' }).click();
		await owner.getByText('The token was revoked: its next request is refused.').waitFor();
		expect((await scim(rotated, 'GET', '/Users')).status).toBe(401);
	});

	it('passes axe and fits a 390-px phone, light and dark', async () => {
		await owner.setViewportSize({ width: 390, height: 844 });
		for (const theme of ['light', 'dark'] as const) {
			await owner.emulateMedia({ colorScheme: theme });
			await owner.goto(PAGE, { waitUntil: 'networkidle' });
			await owner.evaluate(
				(t) => document.documentElement.classList.toggle('dark', t === 'dark'),
				theme
			);
			const { violations } = await new AxeBuilder({ page: owner }).analyze();
			const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
			expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
			const overflow = await owner.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
			expect(overflow, 'the page does not scroll sideways').toBeLessThanOrEqual(0);
			await screenshot(owner, `scim/settings-${theme}-390`);
		}
	});

	it('on the Pro plan: an upgrade prompt, a token refused with the sentence, the endpoint 403 (390 px, light and dark)', async () => {
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		const query = (text: string, params: unknown[]) => db.query(text, params);
		try {
			await putOnPlan(query, 'acme', 'pro');
			await owner.setViewportSize({ width: 390, height: 844 });
			for (const theme of ['light', 'dark'] as const) {
				await owner.emulateMedia({ colorScheme: theme });
				await owner.goto(PAGE, { waitUntil: 'networkidle' });
				await owner.evaluate(
					(t) => document.documentElement.classList.toggle('dark', t === 'dark'),
					theme
				);
				const prompt = owner.getByTestId('upgrade-prompt');
				await prompt.getByText('SCIM provisioning needs the Business plan').waitFor();
				expect(await prompt.textContent()).toContain('This organisation is on the Pro plan.');
				expect(
					await prompt.getByRole('link', { name: 'Upgrade to Business' }).getAttribute('href')
				).toBe('/t/acme/billing');
				const { violations } = await new AxeBuilder({ page: owner }).analyze();
				const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
				expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual(
					[]
				);
				const overflow = await owner.evaluate(
					() => document.documentElement.scrollWidth - document.documentElement.clientWidth
				);
				expect(overflow, 'the page does not scroll sideways').toBeLessThanOrEqual(0);
				await screenshot(owner, `scim/upgrade-${theme}-390`);
			}
			await owner.getByLabel("New token's name").fill('On Pro');
			await owner.getByRole('button', { name: 'Create token' }).click();
			await owner
				.getByText('SCIM provisioning needs the Business plan: upgrade the organisation')
				.first()
				.waitFor();
			const { rows } = await db.query(`select 1 from public.scim_tokens where name = 'On Pro'`);
			expect(rows).toEqual([]);
			const seeded = await db.query<{ token: string }>(
				`select t.token from public.tenants x, private.scim_new_token(x.id, 'kept', null) t where x.slug = 'acme'`
			);
			expect((await scim(seeded.rows[0]!.token, 'GET', '/Users')).status).toBe(403);
		} finally {
			await putOnPlan(query, 'acme', 'business');
			await db.end();
		}
	});
});
