import pg from 'pg';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot, signIn, toast } from './harness';

describe('roles, projects and organisation settings', () => {
	let app: App;
	let browser: Browser;

	appAndBrowser((started) => ({ app, browser } = started));

	it('the owner creates a custom role, with field errors for a blank name', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/roles', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Roles and permissions', level: 1 }).waitFor();
		expect(await owner.getByText('QA', { exact: true }).count()).toBe(1);
		await screenshot(owner, '50-roles');

		const create = owner.locator('form[action="?/create"]');
		await create.getByLabel('Name', { exact: true }).fill('   ');
		await create.getByLabel('Description', { exact: true }).fill('Ships releases');
		await create.locator('summary', { hasText: 'Projects' }).click();
		await create.getByRole('checkbox', { name: /projects\.read/ }).check();
		await create.getByRole('checkbox', { name: /environments\.manage/ }).check();
		await create.getByRole('button', { name: 'Create role' }).click();
		await owner.getByText('Give the role a name.').waitFor();
		const kept = owner.locator('form[action="?/create"]');
		expect(await kept.getByLabel('Description', { exact: true }).inputValue()).toBe(
			'Ships releases'
		);
		expect(await kept.getByRole('checkbox', { name: /projects\.read/ }).isChecked()).toBe(true);
		expect(
			await kept.getByRole('checkbox', { name: /billing\.manage/, includeHidden: true }).isChecked()
		).toBe(false);
		await screenshot(owner, '51-role-errors');

		await kept.getByLabel('Name', { exact: true }).fill('Release Manager');
		await kept.getByRole('button', { name: 'Create role' }).click();
		await toast(owner, 'Role “Release Manager” created.').waitFor();
		const summary = owner.locator('summary', { hasText: 'Release Manager' });
		expect(await summary.innerText()).toContain('0 members · 2 permissions');
		expect(await owner.locator('summary', { hasText: 'Auditor' }).innerText()).toContain(
			'1 member · 3 permissions'
		);

		await owner.goto('/t/acme/roles', { waitUntil: 'networkidle' });
		await owner.locator('summary', { hasText: 'Release Manager' }).click();
		const edit = owner
			.locator('details', { hasText: 'Release Manager' })
			.locator('form[action="?/update"]');
		await edit.locator('summary', { hasText: 'Security and compliance' }).click();
		await edit.getByRole('checkbox', { name: /audit\.read/ }).check();
		await edit.getByRole('button', { name: 'Save Release Manager' }).click();
		await toast(owner, 'Role “Release Manager” saved.').waitFor();
		expect(await owner.locator('summary', { hasText: 'Release Manager' }).innerText()).toContain(
			'3 permissions'
		);

		await owner.locator('summary', { hasText: 'Auditor' }).click();
		await owner.getByRole('button', { name: 'Delete Auditor' }).click();
		await owner.getByRole('alertdialog').getByText('1 member holds it.').waitFor();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Delete role' }).click();
		// The refusal answers inside the dialog, which stays open.
		await owner
			.getByRole('alertdialog')
			.getByRole('alert')
			.filter({ hasText: 'Members still hold this role: give them another role first.' })
			.waitFor();
		await owner.goto('/t/acme/roles', { waitUntil: 'networkidle' });
		await owner.locator('summary', { hasText: 'Release Manager' }).click();
		await owner.getByRole('button', { name: 'Delete Release Manager' }).click();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Delete role' }).click();
		await toast(owner, 'Role deleted.').waitFor();
		expect(await owner.locator('summary', { hasText: 'Release Manager' }).count()).toBe(0);
	});

	it('an admin cannot tick a permission they lack', async () => {
		const admin = await signIn(browser, app.url, 'admin@acme.test');
		await admin.goto('/t/acme/roles', { waitUntil: 'networkidle' });
		const create = admin.locator('form[action="?/create"]');
		expect(
			await create
				.getByRole('checkbox', { name: /billing\.manage/, includeHidden: true })
				.isDisabled()
		).toBe(true);
		expect(
			await create
				.getByRole('checkbox', { name: /billing\.read/, includeHidden: true })
				.isDisabled()
		).toBe(false);
	});

	it('the owner creates a project, adds an environment and gives a member a project role', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/projects', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Web app' }).waitFor();
		await screenshot(owner, '52-projects');

		await owner.getByLabel('Name').fill('Payments');
		await owner.getByLabel('Address').fill('Bad Slug!');
		await owner.getByRole('button', { name: 'Create project' }).click();
		await owner.getByText(/Use up to 63 lowercase letters/).waitFor();
		expect(await owner.getByLabel('Name').inputValue()).toBe('Payments');
		expect(await owner.getByLabel('Address').inputValue()).toBe('Bad Slug!');
		await screenshot(owner, '53-project-errors');

		await owner.getByLabel('Address').fill('payments');
		await owner.getByRole('button', { name: 'Create project' }).click();
		await owner.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
		expect(owner.url()).toContain('/t/acme/projects/payments');
		await owner.waitForLoadState('networkidle');
		const environments = owner.locator('section', {
			has: owner.getByRole('heading', { name: 'Environments' })
		});
		for (const kind of ['development', 'staging', 'production']) {
			expect(await environments.getByText(kind, { exact: true }).count()).toBe(1);
		}

		await owner.getByLabel('Environment name').fill('QA');
		await owner.getByLabel('Kind').selectOption('staging');
		await owner.getByRole('button', { name: 'Add environment' }).click();
		await owner.getByRole('button', { name: 'Delete QA' }).waitFor();
		await toast(owner, 'Environment added.').waitFor();

		await owner.getByLabel('Environment name').fill('QA');
		await owner.getByRole('button', { name: 'Add environment' }).click();
		await owner.getByText('This project has an environment with that name already.').waitFor();
		expect(await owner.getByLabel('Environment name').inputValue()).toBe('QA');

		const members = owner.locator('form', {
			has: owner.getByRole('button', { name: 'Give project role' })
		});
		await members.getByLabel('Member').selectOption({ label: 'Grace Developer (dev@acme.test)' });
		await members.getByLabel('Project role').selectOption({ label: 'Project Editor' });
		await members.getByRole('button', { name: 'Give project role' }).click();
		await owner.getByRole('button', { name: 'Remove dev@acme.test' }).waitFor();
		await toast(owner, 'Project members updated.').waitFor();
		expect(await owner.getByLabel('Project role of dev@acme.test').inputValue()).toBe(
			await members
				.getByLabel('Project role')
				.locator('option', { hasText: 'Project Editor' })
				.getAttribute('value')
		);
		await screenshot(owner, '54-project');
	});

	it('the owner changes name and branding colour, with field errors for a bad address', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/settings', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Organisation settings', level: 1 }).waitFor();
		expect(await owner.getByRole('link', { name: 'Custom domains' }).getAttribute('href')).toBe(
			'/t/acme/settings/domains'
		);
		await screenshot(owner, '55-settings');

		await owner.getByLabel('Name').fill('Acme Corporation');
		await owner.getByLabel('Address').fill('Not A Slug');
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await owner.getByText(/Use 3–63 lowercase letters/).waitFor();
		expect(await owner.getByLabel('Name').inputValue()).toBe('Acme Corporation');
		expect(await owner.getByLabel('Address').inputValue()).toBe('Not A Slug');
		await screenshot(owner, '56-settings-errors');

		await owner.getByLabel('Address').fill('acme');
		await owner.getByLabel(/Require two-factor authentication/).check();
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await owner.getByText(/needs a session that used it/).waitFor();
		expect(
			await owner.getByRole('link', { name: 'Go to your Security page' }).getAttribute('href')
		).toBe('/account/security');
		expect(await owner.getByLabel('Name').inputValue()).toBe('Acme Corporation');

		await owner.getByLabel(/Require two-factor authentication/).uncheck();
		await owner.getByLabel('Primary colour').fill('#123abc');
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await toast(owner, 'Settings saved.').waitFor();
		await owner.goto('/t/acme/settings', { waitUntil: 'networkidle' });
		expect(await owner.getByLabel('Name').inputValue()).toBe('Acme Corporation');
		expect(await owner.getByLabel('Primary colour').inputValue()).toBe('#123abc');
		expect(await owner.getByRole('button', { name: /Switch organisation$/ }).innerText()).toContain(
			'Acme Corporation'
		);
		expect(await owner.locator('[data-slot="sidebar-wrapper"]').getAttribute('style')).toContain(
			'#123abc'
		);

		await owner.getByLabel('Address').fill('acme-corp');
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await owner.waitForURL('**/t/acme-corp/settings?saved=1');
		await owner.getByRole('status').getByText('Settings saved.').waitFor();
		expect((await owner.request.get('/t/acme/settings')).status()).toBe(404);
		await owner.waitForLoadState('networkidle');
		await owner.getByLabel('Address').fill('acme');
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await owner.waitForURL('**/t/acme/settings?saved=1');
	});

	it('a viewer reads projects and roles without editing controls; a developer cannot open settings', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme/projects', { waitUntil: 'networkidle' });
		await viewer.getByRole('link', { name: 'Web app' }).waitFor();
		expect(await viewer.getByRole('button', { name: 'Create project' }).count()).toBe(0);
		await screenshot(viewer, '57-viewer-projects');
		await viewer.getByRole('link', { name: 'Web app' }).click();
		await viewer.getByRole('heading', { name: 'Web app', level: 1 }).waitFor();
		expect(await viewer.getByText('Preview', { exact: true }).count()).toBe(1);
		expect(
			await viewer
				.getByRole('button')
				.filter({ hasText: /Add environment|Rename|Delete|Give project role|Save project/ })
				.count()
		).toBe(0);

		await viewer.goto('/t/acme/roles', { waitUntil: 'networkidle' });
		await viewer.getByRole('heading', { name: 'Roles and permissions' }).waitFor();
		expect(
			await viewer
				.locator('form')
				.filter({ has: viewer.getByRole('button', { name: /Create role|Save|Delete/ }) })
				.count()
		).toBe(0);
		await screenshot(viewer, '58-viewer-roles');
		expect(await viewer.getByRole('link', { name: 'Settings' }).count()).toBe(0);
		expect((await viewer.goto('/t/acme/settings'))?.status()).toBe(403);

		const developer = await signIn(browser, app.url, 'dev@acme.test');
		const refused = await developer.goto('/t/acme/settings');
		expect(refused?.status()).toBe(403);
		expect(await developer.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
		await screenshot(developer, '59-developer-settings-refused');
	});

	it('works without JavaScript: a role, an environment and a refused save', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test', { javaScriptEnabled: false });
		await owner.goto('/t/acme/roles');
		const create = owner.locator('form[action="?/create"]');
		await create.getByLabel('Name', { exact: true }).fill('Support Desk');
		await create.locator('summary', { hasText: 'Support and work' }).click();
		await create.getByRole('checkbox', { name: /tickets\.manage/ }).check();
		await create.getByRole('button', { name: 'Create role' }).click();
		const created = owner.locator('summary', { hasText: /Support Desk.*members?/ });
		await created.waitFor();
		expect(await created.innerText()).toContain('0 members · 1 permission');

		await owner.goto('/t/acme/projects/mobile');
		await owner.getByLabel('Environment name').fill('Load test');
		await owner.getByRole('button', { name: 'Add environment' }).click();
		// Without JavaScript the confirmation is a disclosure under its trigger (ConfirmAction).
		await owner.locator('summary', { hasText: 'Delete Load test' }).waitFor();

		await owner.goto('/t/acme/settings');
		await owner.getByLabel('Primary colour').fill('blue');
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await owner.getByText('Use a colour such as #d9480f.').waitFor();
		expect(await owner.getByLabel('Primary colour').inputValue()).toBe('blue');
	});

	it('at the plan’s project limit, creating a project points to billing', async () => {
		// Acme's plan (Pro) is lowered to the projects it has, as a plan change would.
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		await db.query(
			`update public.plan_limits set hard_limit = (select count(*) from public.projects p
			   join public.tenants t on t.id = p.tenant_id where t.slug = 'acme')
			 where metric = 'projects' and plan_id = (select id from public.plans where code = 'pro')`
		);
		await db.end();

		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme/projects', { waitUntil: 'networkidle' });
		await owner.getByLabel('Name').fill('One too many');
		await owner.getByLabel('Address').fill('one-too-many');
		await owner.getByRole('button', { name: 'Create project' }).click();
		await owner.getByText(/project limit is reached/).waitFor();
		expect(
			await owner.getByRole('link', { name: 'See plans and billing' }).getAttribute('href')
		).toBe('/t/acme/billing');
		expect(await owner.getByLabel('Address').inputValue()).toBe('one-too-many');
		await screenshot(owner, '60-project-quota');
	});
});
