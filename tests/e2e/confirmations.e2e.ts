/**
 * Destructive actions tried by mistake (issue 11, item 4): Esc and Cancel leave everything as it
 * was, a typed name that does not match is refused by the server as well as the dialog, a browser
 * without JavaScript gets the two-step form, and revoking an invitation can be undone. Then the
 * overview, projects, project, settings, domains, members and /app pages: no serious or critical
 * axe violation, no horizontal overflow at 390 px, screenshots at 1440 and 390 in both themes.
 */
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, rowAction, screenshot, signIn, submitSignIn, toast } from './harness';

const MISMATCH = 'Type the name exactly as shown to confirm.';

describe('confirmations of destructive actions', () => {
	let app: App;
	let browser: Browser;
	appAndBrowser((opened) => ({ app, browser } = opened));

	async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			return (await db.query(text, values)).rows as T[];
		} finally {
			await db.end();
		}
	}
	const production = async (project: string) =>
		(
			await query<{ id: string; name: string }>(
				`select e.id, e.name from public.environments e join public.projects p on p.id = e.project_id
				 join public.tenants t on t.id = p.tenant_id
				 where t.slug = 'acme' and p.slug = $1 and e.kind = 'production'`,
				[project]
			)
		)[0];

	it('a Production environment: Esc and Cancel keep it, a wrong name is refused twice, the right one deletes it', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/projects/web', { waitUntil: 'networkidle' });
		const env = await production('web');
		expect(env, 'the seeded web project has a Production environment').toBeTruthy();
		const trigger = owner.getByRole('button', { name: `Delete ${env!.name}` });
		const dialog = owner.getByRole('alertdialog');

		await trigger.click();
		await dialog.getByText(`Delete the production environment ${env!.name}?`).waitFor();
		await screenshot(owner, 'confirm-production-dialog');
		await owner.keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });

		await trigger.click();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });

		await trigger.click();
		await dialog.getByLabel(`Type ${env!.name} to confirm`).fill('Prod');
		expect(await dialog.getByRole('button', { name: 'Delete environment' }).isDisabled()).toBe(
			true
		);
		await owner.keyboard.press('Escape');
		expect(await production('web')).toEqual(env);

		// What a form without the dialog's check would send: the server refuses it too.
		const refused = await owner.request.post('/t/acme/projects/web?/deleteEnvironment', {
			headers: { origin: app.url, accept: 'text/html' },
			form: {
				intent: 'deleteEnvironment',
				id: env!.id,
				environmentId: env!.id,
				confirm_name: 'production'
			}
		});
		expect(refused.status()).toBe(400);
		expect(await refused.text()).toContain(MISMATCH);
		expect(await production('web')).toEqual(env);

		await trigger.click();
		await dialog.getByLabel(`Type ${env!.name} to confirm`).fill(env!.name);
		await dialog.getByRole('button', { name: 'Delete environment' }).click();
		await toast(owner, 'Environment deleted.').waitFor();
		expect(await production('web')).toBeUndefined();
	});

	it('deleting a project takes its name, checked by the server too', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		const refused = await owner.request.post('/t/acme/projects/mobile?/delete', {
			headers: { origin: app.url, accept: 'text/html' },
			form: { intent: 'delete', confirm_name: 'mobile' }
		});
		expect(refused.status()).toBe(400);
		expect(await refused.text()).toContain(MISMATCH);
		const [kept] = await query<{ name: string }>(
			`select p.name from public.projects p join public.tenants t on t.id = p.tenant_id
			 where t.slug = 'acme' and p.slug = 'mobile'`
		);
		expect(kept, 'the mobile project is still there').toBeTruthy();
	});

	it('without JavaScript the confirmation is a second step, and a wrong name is refused in a sentence', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test', { javaScriptEnabled: false });
		await owner.goto('/t/acme/projects/mobile');
		const env = await production('mobile');
		const step = owner.locator('details', {
			has: owner.locator('summary', { hasText: `Delete ${env!.name}` })
		});
		expect(await step.getByRole('button', { name: 'Delete environment' }).isVisible()).toBe(false);
		await step.locator('summary').click();
		await step.getByLabel(`Type ${env!.name} to confirm`).fill('nope');
		await screenshot(owner, 'confirm-no-js-two-step');
		await step.getByRole('button', { name: 'Delete environment' }).click();
		await owner.getByRole('alert').getByText(MISMATCH).waitFor();
		expect(await production('mobile')).toEqual(env);
	});

	it('members: Esc keeps a member, a transfer needs the organisation’s name, a revoked invitation comes back with Undo', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/members', { waitUntil: 'networkidle' });
		const viewerRow = owner.getByRole('row').filter({ hasText: 'viewer@acme.test' });
		await rowAction(owner, viewerRow, /^Remove/);
		const dialog = owner.getByRole('alertdialog');
		await dialog.getByText(/^Remove .+ from Acme Inc\?$/).waitFor();
		await owner.keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });
		expect(await viewerRow.count()).toBe(1);

		await rowAction(owner, viewerRow, /^Transfer ownership/);
		await dialog.getByLabel('Type Acme Inc to confirm').fill('Acme');
		expect(await dialog.getByRole('button', { name: 'Transfer ownership' }).isDisabled()).toBe(
			true
		);
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		const [viewer] = await query<{ id: string }>(
			`select id from public.profiles where email = 'viewer@acme.test'`
		);
		const refused = await owner.request.post('/t/acme/members?/transfer', {
			headers: { origin: app.url, accept: 'text/html' },
			form: { user: viewer!.id, confirm_name: 'acme' }
		});
		expect(refused.status()).toBe(400);
		expect(await refused.text()).toContain(MISMATCH);
		const owners = await query<{ email: string }>(
			`select p.email from public.memberships m join public.tenants t on t.id = m.tenant_id
			 join public.profiles p on p.id = m.user_id where t.slug = 'acme' and m.is_owner`
		);
		expect(owners).toEqual([{ email: 'owner@acme.test' }]);

		const newhire = owner.getByRole('row').filter({ hasText: 'newhire@acme.test' });
		await rowAction(owner, newhire, /^Revoke/, 'Revoke');
		const revoked = toast(owner, 'Invitation revoked.');
		await revoked.waitFor();
		expect(await newhire.count()).toBe(0);
		await revoked.getByRole('button', { name: 'Undo: invite again' }).click();
		await toast(owner, 'Invitation sent to newhire@acme.test.').waitFor();
		await newhire.waitFor();
	});

	it('a domain is removed only after its confirmation', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/settings/domains', { waitUntil: 'networkidle' });
		await owner.getByLabel('Add a domain').fill('keep.acme.test');
		await owner.getByRole('button', { name: 'Add domain' }).click();
		await toast(owner, 'keep.acme.test was added').waitFor();
		await owner.getByRole('button', { name: 'Remove keep.acme.test' }).click();
		const dialog = owner.getByRole('alertdialog');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		expect(
			await owner
				.getByRole('list', { name: 'Custom domains' })
				.getByRole('listitem')
				.filter({ hasText: 'keep.acme.test' })
				.count()
		).toBe(1);
		await owner.getByRole('button', { name: 'Remove keep.acme.test' }).click();
		await dialog.getByRole('button', { name: 'Remove domain' }).click();
		await toast(owner, 'keep.acme.test was removed.').waitFor();
		expect(
			await owner
				.getByRole('list', { name: 'Custom domains' })
				.getByRole('listitem')
				.filter({ hasText: 'keep.acme.test' })
				.count()
		).toBe(0);
	});

	it('the pages: no serious axe violation, no overflow at 390 px, screenshots in both themes', async () => {
		const seed = await signIn(browser, app.url, 'owner@acme.test');
		await seed.goto('/t/acme/settings/domains', { waitUntil: 'networkidle' });
		await seed.getByLabel('Add a domain').fill('portal-with-a-long-name.customer.acme.test');
		await seed.getByRole('button', { name: 'Add domain' }).click();
		await toast(seed, 'was added').waitFor();
		await seed.context().close();

		const pages = [
			'/app',
			'/t/acme',
			'/t/acme/projects',
			'/t/acme/projects/web',
			'/t/acme/settings',
			'/t/acme/settings/domains',
			'/t/acme/members'
		];
		const problems: string[] = [];
		for (const [width, height] of [
			[1440, 900],
			[390, 844]
		] as const) {
			for (const scheme of ['light', 'dark'] as const) {
				const context = await browser.newContext({
					baseURL: app.url,
					viewport: { width, height },
					colorScheme: scheme
				});
				const page: Page = await context.newPage();
				page.setDefaultTimeout(60_000);
				await submitSignIn(page, 'owner@acme.test');
				await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
				for (const path of pages) {
					await page.goto(path, { waitUntil: 'networkidle' });
					const where = `${path} at ${width} px, ${scheme}`;
					await screenshot(page, `pa/${path.replace(/\W+/g, '_')}-${width}-${scheme}`);
					if (width === 390) {
						const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
						if (scroll > 390) problems.push(`${where}: the page is ${scroll} px wide`);
					}
					// The page's own content; the shell around it is checked by design-checks.e2e.ts.
					const { violations } = await new AxeBuilder({ page }).include('main').analyze();
					for (const v of violations.filter(
						(v) => v.impact === 'serious' || v.impact === 'critical'
					)) {
						const targets = v.nodes
							.slice(0, 3)
							.map((n) => n.target.join(' '))
							.join('; ');
						problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${targets}`);
					}
				}
				await context.close();
			}
		}
		expect(problems, problems.join('\n')).toEqual([]);
	}, 600_000);
});
