/**
 * Privacy in Chromium, on an app started as npm start runs it (seeded, supabase/seeds/39_privacy.sql).
 * One person signs in once: Tess, the platform's super admin, made an owner of Acme for the test.
 * She asks Acme for a copy of her data on /account/privacy and confirms it from the emailed link;
 * as Acme's owner she starts it on /t/acme/settings/privacy; the app's own queue worker builds the
 * archive, and the emailed one-time link downloads a zip whose export is hers — once: the second
 * try is refused in words. She gives and withdraws a consent; Acme's page shows the request
 * completed; the console's /admin/privacy lists it and its history. The privacy pages, data
 * retention, /admin/settings and /admin/audit are screenshotted at 1440 and 390 px in both themes
 * (test-results/screenshots/privacy/), with no horizontal overflow and no serious axe violation.
 */
import { readFile } from 'node:fs/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { strFromU8, unzipSync } from 'fflate';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, mailLink, open, screenshot, signIn, toast } from './harness';

const ACME_ID = 'b0000000-0000-4000-8000-000000000001';
const TESS_ID = 'a0000000-0000-4000-8000-000000000001';
const TESS = 'admin@tenantry.test';

describe('privacy', () => {
	let app: App;
	let browser: Browser;
	let tess: Page;
	let requestId: string;

	async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			return (await db.query(text, values)).rows as T[];
		} finally {
			await db.end();
		}
	}

	beforeAll(async () => {
		app = await startApp();
		await query(
			`insert into public.memberships (tenant_id, user_id, is_owner) values ($1, $2, true)
			 on conflict (tenant_id, user_id) do update set is_owner = true`,
			[ACME_ID, TESS_ID]
		);
		browser = await launchBrowser();
		tess = await signIn(browser, app.url, TESS);
	}, 300_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('asks for her data, confirms it, and Acme starts it', async () => {
		await open(tess, '/account/privacy');
		await tess.getByLabel('To', { exact: true }).selectOption(ACME_ID);
		await tess.getByLabel('What you ask for').selectOption('access');
		await tess.getByRole('button', { name: 'Send the request' }).click();
		await toast(tess, 'Your access request was received').waitFor();

		const confirm = await mailLink(app.mailUrl, TESS, 'Confirm your privacy request');
		await open(tess, new URL(confirm).pathname);
		await tess.getByRole('button', { name: 'Confirm my request' }).click();
		await tess.getByText('Your request is confirmed.').waitFor();

		await open(tess, '/t/acme/settings/privacy');
		const item = tess
			.getByRole('list', { name: 'Privacy requests' })
			.getByRole('listitem')
			.filter({ hasText: 'Access · Tess Operator' });
		await item.getByRole('button', { name: 'Start' }).click();
		await toast(tess, /./).waitFor();
	});

	it('downloads the archive once through the emailed link', async () => {
		const link = await mailLink(app.mailUrl, TESS, 'Your data export is ready');
		const path = new URL(link).pathname;
		expect(path).toMatch(/^\/account\/privacy\/export\/[0-9a-f]{64}$/);
		await open(tess, path);
		const [download] = await Promise.all([
			tess.waitForEvent('download'),
			tess.getByRole('button', { name: 'Download the archive' }).click()
		]);
		expect(download.suggestedFilename()).toBe('tenantry-data-export.zip');
		const files = unzipSync(new Uint8Array(await readFile((await download.path())!)));
		const exported = JSON.parse(strFromU8(files['export.json']!)) as {
			profile: { email: string };
			memberships: { tenant: string }[];
			privacy_requests: { kind: string; state: string }[];
		};
		expect(exported.profile.email).toBe(TESS);
		expect(exported.memberships.map((m) => m.tenant)).toContain('acme');
		expect(exported.privacy_requests).toContainEqual(
			expect.objectContaining({ kind: 'access', state: 'in_progress' })
		);
		expect(Object.keys(files)).toEqual(expect.arrayContaining(['README.txt', 'memberships.csv']));

		await open(tess, path);
		await tess.getByRole('button', { name: 'Download the archive' }).click();
		await tess.getByText('This export was downloaded already').waitFor();

		await open(tess, '/account/privacy');
		await tess.getByText(/Archive downloaded .* and deleted\./).waitFor();
	});

	it('gives and withdraws a consent', async () => {
		const acme = tess.getByRole('region', { name: 'Consents for Acme' });
		await acme.getByRole('button', { name: 'Give consent to Newsletter' }).click();
		await toast(tess, 'Consent given.').waitFor();
		await acme.getByRole('button', { name: 'Withdraw consent to Newsletter' }).click();
		await toast(tess, 'Consent withdrawn.').waitFor();
		await acme.getByRole('button', { name: 'Give consent to Newsletter' }).waitFor();
	});

	it('shows the request completed to Acme and in the console, with its history', async () => {
		await open(tess, '/t/acme/settings/privacy');
		const item = tess
			.getByRole('list', { name: 'Privacy requests' })
			.getByRole('listitem')
			.filter({ hasText: 'Access · Tess Operator' });
		await item.getByText('Completed').waitFor();

		requestId = (
			await query<{ id: string }>(
				`select id from public.gdpr_requests where subject_user_id = $1 and kind = 'access'`,
				[TESS_ID]
			)
		)[0]!.id;
		await open(tess, '/admin/privacy');
		await tess.getByRole('heading', { name: 'Privacy requests', level: 1 }).waitFor();
		// Vint Viewer's seeded request, never confirmed, and hers.
		const rows = tess.getByRole('table').getByRole('row');
		await rows.filter({ hasText: 'Received' }).first().waitFor();
		const hers = rows.filter({ has: tess.locator(`a[href="/admin/privacy/${requestId}"]`) });
		await hers.getByText('Completed').waitFor();
		await hers.getByRole('link', { name: 'Access' }).click();
		await tess.getByRole('heading', { name: 'Access request', level: 1 }).waitFor();
		const history = tess.getByRole('list', { name: 'History' });
		await history.getByText('Received', { exact: true }).waitFor();
		await history.getByText('In progress → Completed').waitFor();
	});

	it('the pages fit a phone, pass axe, and are screenshotted in both themes', async () => {
		const pages = [
			['account-privacy', '/account/privacy'],
			['tenant-privacy', '/t/acme/settings/privacy'],
			['data-retention', '/t/acme/settings/data-retention'],
			['admin-settings', '/admin/settings'],
			['admin-audit', '/admin/audit'],
			['admin-privacy', '/admin/privacy'],
			['admin-privacy-request', `/admin/privacy/${requestId}`]
		] as const;
		const problems: string[] = [];
		for (const [width, height] of [
			[1440, 900],
			[390, 844]
		] as const) {
			await tess.setViewportSize({ width, height });
			for (const scheme of ['light', 'dark'] as const) {
				await tess.emulateMedia({ colorScheme: scheme });
				for (const [name, path] of pages) {
					await open(tess, path);
					await screenshot(tess, `privacy/${name}-${width}-${scheme}`);
					const where = `${path} at ${width} px, ${scheme}`;
					if (width === 390) {
						const scroll = await tess.evaluate(() => document.documentElement.scrollWidth);
						if (scroll > 390) problems.push(`${where}: the page is ${scroll} px wide`);
					}
					if (scheme === 'light' && width === 1440) {
						const { violations } = await new AxeBuilder({ page: tess }).include('main').analyze();
						for (const v of violations.filter(
							(v) => v.impact === 'serious' || v.impact === 'critical'
						))
							problems.push(`${where}: axe ${v.impact} ${v.id} at ${v.nodes[0]?.target}`);
					}
				}
			}
		}
		expect(problems).toEqual([]);
	}, 300_000);
});
