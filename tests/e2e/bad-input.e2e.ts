/**
 * Issue 9 §5, found in Chromium: bad input in the pages. Each form gets what a person (or a hand-made
 * request) can send wrong — too long, empty, the wrong shape, a rule only the database knows — and
 * must answer with a sentence on the field, the typed values kept, and nothing written.
 *
 * The browser's own checks (required, maxlength, type=email) are switched off first, as a request
 * from outside the page has none: the server's answer is what is under test.
 */
import pg from 'pg';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import {
	DEMO_PASSWORD,
	launchBrowser,
	open,
	rowAction,
	screenshot,
	signIn,
	TYPED_NAME
} from './harness';

/** Switches off the browser's validation on every form, so what is typed reaches the server. */
async function unguard(page: Page): Promise<void> {
	await page.evaluate(() => {
		for (const form of Array.from(document.forms)) form.noValidate = true;
		for (const field of Array.from(document.querySelectorAll('[maxlength]')))
			field.removeAttribute('maxlength');
	});
}

/** The sentences shown under a field (Field.svelte's list, or a page's own). */
async function messagesOf(field: Locator): Promise<string[]> {
	const id = await field.getAttribute('aria-describedby');
	expect(id, 'the field points at its errors').toBeTruthy();
	return (await field.page().locator(`[id="${id}"] li`).allInnerTexts()).map((t) => t.trim());
}

/** Zod's own English (zod/v4/locales/en.js), which must never reach the page. */
const ZOD_ENGLISH = /Too big: expected|Too small: expected|Invalid input|Invalid string/;

describe('bad input in the pages', () => {
	let app: App;
	let browser: Browser;
	let db: pg.Client;
	/** Errors thrown in the page (a crashed component stops showing errors until reload). */
	const pageErrors: string[] = [];

	const watch = (page: Page) => page.on('pageerror', (e) => pageErrors.push(e.message));

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
	});
	afterAll(async () => {
		await db?.end();
		await browser?.close();
		await app?.stop();
	});

	it('a 10,000-character email gets one sentence, and the form keeps answering after it', async () => {
		const page = await (await browser.newContext({ baseURL: app.url })).newPage();
		page.setDefaultTimeout(60_000);
		watch(page);
		await open(page, '/auth/sign-up');
		await unguard(page);
		const email = page.getByLabel('Email');
		await email.fill('a'.repeat(10_000));
		await page.getByLabel('Password').fill('Long enough 42');
		await page.getByRole('button', { name: 'Create account' }).click();
		await page.getByText('Keep the email address under 255 characters.').waitFor();
		expect(await messagesOf(email)).toEqual(['Keep the email address under 255 characters.']);
		await screenshot(page, '90-bad-input-long-email');

		// The component must still update: a second, different refusal replaces the first.
		await unguard(page);
		await email.fill('not-an-address');
		await page.getByRole('button', { name: 'Create account' }).click();
		await page.getByText('Enter an email address such as name@example.com.').waitFor();
		expect(await messagesOf(email)).toEqual(['Enter an email address such as name@example.com.']);
		expect(await email.inputValue()).toBe('not-an-address');
		expect(pageErrors).toEqual([]);
	});

	it('raw validator text never reaches the sign-in page (a 2,000-character password)', async () => {
		const page = await (await browser.newContext({ baseURL: app.url })).newPage();
		page.setDefaultTimeout(60_000);
		watch(page);
		await open(page, '/auth/sign-in');
		await unguard(page);
		await page.getByLabel('Email').fill('owner@acme.test');
		await page.getByLabel('Password').fill('x'.repeat(2000));
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByText('That password is too long to be yours.').waitFor();
		expect(await page.locator('main').innerText()).not.toMatch(ZOD_ENGLISH);
		expect(await page.getByLabel('Email').inputValue()).toBe('owner@acme.test');
		expect(pageErrors).toEqual([]);
	});

	it('reserved addresses are refused for being reserved, on creating and on renaming', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		watch(owner);
		await unguard(owner);
		const create = owner.locator('form[action="?/createTenant"]');
		await create.getByLabel('Name').fill('Admin Console Ltd');
		await create.getByLabel('Address').fill('admin');
		await create.getByRole('button', { name: 'Create organisation' }).click();
		await owner.getByText('That address is reserved; choose another.').waitFor();
		expect(await messagesOf(create.getByLabel('Address'))).toEqual([
			'That address is reserved; choose another.'
		]);
		expect(await create.getByLabel('Name').inputValue()).toBe('Admin Console Ltd');
		await screenshot(owner, '91-bad-input-reserved-slug');

		await open(owner, '/t/acme/settings');
		await unguard(owner);
		const settings = owner.locator('form[action="?/save"]');
		await settings.getByLabel('Name', { exact: true }).fill('Acme Renamed');
		await settings.getByLabel('Address').fill('billing');
		await settings.getByRole('button', { name: 'Save settings' }).click();
		await owner.getByText('That address is reserved; choose another.').waitFor();
		expect(await settings.getByLabel('Name', { exact: true }).inputValue()).toBe('Acme Renamed');
		expect(await settings.getByLabel('Address').inputValue()).toBe('billing');
		const { rows } = await db.query(`select name from public.tenants where slug = 'acme'`);
		expect(rows[0]?.name).toBe('Acme Inc');
		await screenshot(owner, '92-bad-input-reserved-settings');
		expect(pageErrors).toEqual([]);
	});

	it('descriptions over the limit show their sentence and keep the typed text (projects, teams, roles)', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		watch(owner);

		await open(owner, '/t/acme/projects');
		await unguard(owner);
		const project = owner.locator('form[action="?/create"]');
		const long = 'Too long. '.repeat(201);
		await project.getByLabel('Name').fill('Overflow');
		await project.getByLabel('Address').fill('overflow');
		await project.getByLabel('Description').fill(long);
		await project.getByRole('button', { name: 'Create project' }).click();
		await owner.getByText('Keep the description under 2,000 characters.').waitFor();
		expect(await project.getByLabel('Description').inputValue()).toBe(long);
		expect(await project.getByLabel('Name').inputValue()).toBe('Overflow');
		await screenshot(owner, '93-bad-input-project-description');

		await open(owner, '/t/acme/projects/web');
		await unguard(owner);
		const settings = owner.locator('form[action="?/update"]');
		await settings.getByLabel('Description').fill(long);
		await settings.getByRole('button', { name: 'Save project' }).click();
		await owner.getByText('Keep the description under 2,000 characters.').waitFor();
		expect(await settings.getByLabel('Description').inputValue()).toBe(long);

		await open(owner, '/t/acme/teams');
		await unguard(owner);
		const team = owner.locator('form[action="?/create"]');
		await team.getByLabel('Team name').fill('Overflow');
		await team.getByLabel('Description').fill('x'.repeat(1001));
		await team.getByRole('button', { name: 'Create team' }).click();
		await owner.getByText('Keep the description under 1,000 characters.').waitFor();
		expect(await team.getByLabel('Description').inputValue()).toBe('x'.repeat(1001));
		expect(await team.getByLabel('Team name').inputValue()).toBe('Overflow');

		await open(owner, '/t/acme/roles');
		await unguard(owner);
		const role = owner.locator('form[action="?/create"]');
		await role.getByLabel('Name', { exact: true }).fill('Overflow');
		await role.getByLabel('Description', { exact: true }).fill('y'.repeat(501));
		// The matrix's groups start closed: open the one holding the permission.
		await role.locator('details:has(input[name$="projects.read"]) > summary').last().click();
		await role.getByRole('checkbox', { name: /projects\.read/ }).check();
		await role.getByRole('button', { name: 'Create role' }).click();
		await owner.getByText('Keep the description under 500 characters.').waitFor();
		expect(await role.getByLabel('Description', { exact: true }).inputValue()).toBe(
			'y'.repeat(501)
		);
		expect(await role.getByRole('checkbox', { name: /projects\.read/ }).isChecked()).toBe(true);

		const { rows } = await db.query(
			`select (select count(*) from public.projects where slug = 'overflow')::int
			      + (select count(*) from public.teams where name = 'Overflow')::int
			      + (select count(*) from public.roles where name = 'Overflow')::int as n`
		);
		expect(rows[0]?.n, 'nothing half-written').toBe(0);
		expect(pageErrors).toEqual([]);
	});

	it('a role with no permissions is refused with a sentence, its name kept', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		watch(owner);
		await open(owner, '/t/acme/roles');
		const role = owner.locator('form[action="?/create"]');
		await role.getByLabel('Name', { exact: true }).fill('Nothing At All');
		await role.getByRole('button', { name: 'Create role' }).click();
		await owner
			.getByText('Tick at least one permission: a role that grants nothing is no role.')
			.waitFor();
		expect(await role.getByLabel('Name', { exact: true }).inputValue()).toBe('Nothing At All');
		await screenshot(owner, '94-bad-input-empty-role');
		const { rows } = await db.query(`select 1 from public.roles where name = 'Nothing At All'`);
		expect(rows).toHaveLength(0);
		expect(pageErrors).toEqual([]);
	});

	it('case-duplicate team and environment names are refused on the name field', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		watch(owner);
		await open(owner, '/t/acme/teams');
		const team = owner.locator('form[action="?/create"]');
		await team.getByLabel('Team name').fill('PLATFORM');
		await team.getByRole('button', { name: 'Create team' }).click();
		await owner.getByText('Another team already has this name.').waitFor();
		expect(await messagesOf(team.getByLabel('Team name'))).toEqual([
			'Another team already has this name.'
		]);
		expect(await team.getByLabel('Team name').inputValue()).toBe('PLATFORM');

		await open(owner, '/t/acme/projects/web');
		await owner.getByLabel('Environment name').fill('production');
		await owner.getByRole('button', { name: 'Add environment' }).click();
		await owner.getByText('This project has an environment with that name already.').waitFor();
		expect(await owner.getByLabel('Environment name').inputValue()).toBe('production');
		await screenshot(owner, '95-bad-input-duplicate-environment');

		const { rows } = await db.query(
			`select (select count(*) from public.teams t join public.tenants n on n.id = t.tenant_id
			          where n.slug = 'acme' and lower(t.name) = 'platform')::int as teams,
			        (select count(*) from public.environments e join public.projects p on p.id = e.project_id
			          where p.slug = 'web' and lower(e.name) = 'production')::int as environments`
		);
		expect(rows[0]).toEqual({ teams: 1, environments: 1 });
		expect(pageErrors).toEqual([]);
	});

	it('a new password equal to the current one is refused', async () => {
		const person = await signIn(browser, app.url, 'dev@acme.test');
		watch(person);
		await open(person, '/account/security');
		const form = person.locator('form[action="?/password"]');
		await form.getByLabel('Current password').fill(DEMO_PASSWORD);
		await form.getByLabel('New password').fill(DEMO_PASSWORD);
		await form.getByRole('button', { name: 'Change password' }).click();
		await person.getByText('Choose a password different from your current one.').waitFor();
		await screenshot(person, '96-bad-input-same-password');
		expect(pageErrors).toEqual([]);
	});

	it('the account profile keeps an over-long display name and says why', async () => {
		const person = await signIn(browser, app.url, 'viewer@acme.test');
		watch(person);
		await open(person, '/account');
		await unguard(person);
		const name = person.getByLabel('Display name');
		await name.fill('n'.repeat(201));
		await person.getByRole('button', { name: 'Save' }).click();
		await person.getByText('Keep the name under 200 characters.').waitFor();
		expect(await name.inputValue()).toBe('n'.repeat(201));
		expect(pageErrors).toEqual([]);
	});

	it('the plan editor keeps its Key, and every other field, on an error', async () => {
		const staff = await signIn(browser, app.url, 'admin@tenantry.test');
		watch(staff);
		await open(staff, '/admin/plans/new');
		await staff.getByLabel('Key').fill('scale-2027');
		await staff.getByLabel('Name', { exact: true }).fill('Scale');
		await staff.getByLabel('Monthly price', { exact: true }).fill('a lot');
		await staff.getByRole('button', { name: 'Save plan' }).click();
		await staff.getByText('Enter an amount such as 29 or 29.00.').waitFor();
		expect(await staff.getByLabel('Key').inputValue()).toBe('scale-2027');
		expect(await staff.getByLabel('Name', { exact: true }).inputValue()).toBe('Scale');
		expect(await staff.getByLabel('Monthly price', { exact: true }).inputValue()).toBe('a lot');
		await screenshot(staff, '97-bad-input-plan-key');
		expect(pageErrors).toEqual([]);
	});

	/** One bad value in one field of one form: its sentence shows, the value is kept, no raw text. */
	interface Case {
		path: string | ((db: pg.Client) => Promise<string>);
		form: string;
		label: string;
		value: string;
		button: string;
		sentence: string;
		/** Passwords are never sent back to the page. */
		kept?: boolean;
		/** The summary of the <details> the form is folded in (a row's rename form). */
		unfold?: string;
		/** The row whose menu item opens the dialog the form is in (a DataTable's rename). */
		menu?: { row: string; item: string };
		/** The trigger of the confirmation dialog the form is in (ConfirmAction), the typed name filled. */
		dialog?: string;
	}

	/** Opens a ConfirmAction dialog and types the name it asks for, if it asks for one. */
	async function openConfirm(page: Page, trigger: string): Promise<void> {
		await page.locator('main').getByRole('button', { name: trigger, exact: true }).click();
		const dialog = page.getByRole('alertdialog');
		const typed = dialog.getByLabel(TYPED_NAME);
		if (await typed.count()) await typed.fill(await dialog.locator('label strong').innerText());
	}

	async function walk(page: Page, name: string, cases: Case[]): Promise<void> {
		for (const [i, c] of cases.entries()) {
			await open(page, typeof c.path === 'string' ? c.path : await c.path(db));
			await unguard(page);
			// The outermost disclosure whose own summary names it (a role's card holds the matrix's
			// group disclosures inside it).
			const scope = c.unfold
				? page.locator('details.group\\/role', {
						has: page.locator('summary strong', { hasText: new RegExp(`^${c.unfold}$`) })
					})
				: c.menu
					? page.getByRole('dialog')
					: c.dialog
						? page.getByRole('alertdialog')
						: page.locator('main');
			if (c.unfold) await scope.locator('summary').first().click();
			if (c.dialog) await openConfirm(page, c.dialog);
			if (c.menu) {
				await rowAction(page, page.getByRole('row').filter({ hasText: c.menu.row }), c.menu.item);
				await scope.waitFor();
				await unguard(page);
			}
			// The form holding the field (a page can have one such form per row).
			const form = scope
				.locator(c.form ? `form[action="${c.form}"]` : 'form')
				.filter({ has: page.getByLabel(c.label, { exact: true }) })
				.first();
			const field = form.getByLabel(c.label, { exact: true });
			await field.fill(c.value);
			await form.getByRole('button', { name: c.button, exact: true }).click();
			await page.getByText(c.sentence).first().waitFor();
			expect(await page.locator('main').innerText(), `${c.form} ${c.label}`).not.toMatch(
				ZOD_ENGLISH
			);
			// A refused confirmation stays open, its sentence inside, what was typed still there.
			if (c.dialog) {
				await scope.getByRole('alert').filter({ hasText: c.sentence }).waitFor();
			}
			if (c.kept !== false) expect(await field.inputValue(), `${c.form} ${c.label}`).toBe(c.value);
			await screenshot(page, `99-walk-${name}-${i}`);
		}
	}

	it('every form answers over-long, empty and malformed input with a sentence, values kept', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		watch(owner);
		const tenThousand = 'z'.repeat(10_000);
		await walk(owner, 'tenant', [
			{
				path: '/app',
				form: '?/createTenant',
				label: 'Name',
				value: 'n'.repeat(101),
				button: 'Create organisation',
				sentence: 'Keep the name under 100 characters.'
			},
			{
				path: '/t/acme/members',
				form: '?/invite',
				label: 'Email',
				value: `${tenThousand}@example.com`,
				button: 'Send invitation',
				sentence: 'Keep the email address under 320 characters.'
			},
			{
				path: '/t/acme/members',
				form: '?/invite',
				label: 'Email',
				value: 'nobody',
				button: 'Send invitation',
				sentence: 'Enter an email address such as name@example.com.'
			},
			{
				path: '/t/acme/teams',
				form: '?/rename',
				menu: { row: 'Design', item: 'Rename…' },
				label: 'Description',
				value: 'd'.repeat(1001),
				button: 'Save',
				sentence: 'Keep the description under 1,000 characters.'
			},
			{
				path: '/t/acme/roles',
				form: '?/update',
				unfold: 'QA',
				label: 'Description',
				value: 'q'.repeat(501),
				button: 'Save QA',
				sentence: 'Keep the description under 500 characters.'
			},
			{
				path: '/t/acme/teams',
				form: '?/create',
				label: 'Team name',
				value: '   ',
				button: 'Create team',
				sentence: 'Give the team a name.',
				kept: false
			},
			{
				path: '/t/acme/projects/web',
				form: '?/renameEnvironment',
				label: 'Name of Development',
				value: 'e'.repeat(61),
				button: 'Rename',
				sentence: 'Keep the name under 60 characters.'
			},
			{
				path: '/t/acme/projects/web',
				form: '?/update',
				label: 'Address',
				value: 'Not An Address!',
				button: 'Save project',
				sentence: 'Use up to 63 lowercase letters'
			},
			{
				path: '/t/acme/settings',
				form: '?/save',
				label: 'Logo URL',
				value: 'http://example.com/logo.png',
				button: 'Save settings',
				sentence: 'Use an https:// address.'
			},
			{
				path: '/t/acme/settings',
				form: '?/save',
				label: 'Name',
				value: 'n'.repeat(101),
				button: 'Save settings',
				sentence: 'Keep the name under 100 characters.'
			},
			{
				path: '/t/acme/settings',
				form: '?/archive',
				label: 'Reason (optional)',
				value: 'r'.repeat(501),
				button: 'Archive organisation',
				sentence: 'Keep the reason under 500 characters.'
			},
			{
				path: '/t/acme/settings/domains',
				form: '?/add',
				label: 'Add a domain',
				value: `${'d'.repeat(300)}.com`,
				button: 'Add domain',
				sentence: 'Keep the domain under 253 characters.'
			},
			{
				path: '/t/acme/billing',
				form: '?/proof',
				label: 'Amount paid (USD)',
				value: 'a lot',
				button: 'Submit payment proof',
				sentence: 'Enter the amount you paid, such as 29.00.'
			},
			{
				path: '/account/security',
				form: '?/enrol',
				label: 'Name of the app or device',
				value: 'a'.repeat(101),
				button: 'Set up an authenticator app',
				sentence: 'Keep the name under 100 characters.'
			}
		]);

		const staff = await signIn(browser, app.url, 'admin@tenantry.test');
		watch(staff);
		const globex = async (client: pg.Client) =>
			`/admin/tenants/${(await client.query(`select id from public.tenants where slug = 'globex'`)).rows[0].id}`;
		await walk(staff, 'admin', [
			{
				path: '/admin/staff',
				form: '?/add',
				label: 'Email',
				value: `${tenThousand}@example.com`,
				button: 'Add to staff',
				sentence: 'Keep the email address under 255 characters.'
			},
			{
				path: globex,
				form: '?/suspend',
				dialog: 'Suspend tenant',
				label: 'Reason for suspending',
				value: '   ',
				button: 'Suspend tenant',
				sentence: 'Give a reason: the organisation’s members see it.',
				kept: false
			},
			{
				path: globex,
				form: '?/suspend',
				dialog: 'Suspend tenant',
				label: 'Reason for suspending',
				value: 's'.repeat(501),
				button: 'Suspend tenant',
				sentence: 'Keep the reason under 500 characters.'
			}
		]);

		const anonymous = await (await browser.newContext({ baseURL: app.url })).newPage();
		anonymous.setDefaultTimeout(60_000);
		watch(anonymous);
		await walk(anonymous, 'auth', [
			{
				path: '/auth/forgot-password',
				form: '',
				label: 'Email',
				value: tenThousand,
				button: 'Send the link',
				sentence: 'Keep the email address under 255 characters.'
			}
		]);
		const { rows } = await db.query(
			`select status::text from public.tenants where slug = 'globex'`
		);
		expect(rows[0]?.status, 'nothing half-written').toBe('active');
		expect(pageErrors).toEqual([]);
	});

	it('an empty rejection note is refused; the payment stays pending', async () => {
		// A tenant without a pending transfer (one may wait per tenant).
		const {
			rows: [tenant]
		} = await db.query(
			`select t.id from public.tenants t where t.status = 'active' and not exists (
			   select 1 from public.payments p
			    where p.tenant_id = t.id and p.provider = 'manual' and p.status = 'pending')
			 order by t.slug limit 1`
		);
		const {
			rows: [payment]
		} = await db.query(
			`insert into public.payments (tenant_id, plan_id, billing_interval, provider, amount, currency, status, proof_path)
			 select $1, p.id, 'month', 'manual', 2900, 'usd', 'pending', $2 from public.plans p where p.code = 'pro'
			 returning id`,
			[tenant.id, `${tenant.id}/bad-input-proof.pdf`]
		);
		const staff = await signIn(browser, app.url, 'admin@tenantry.test');
		watch(staff);
		await open(staff, '/admin/payments');
		const card = staff.locator('article').filter({ hasText: `${tenant.id}/bad-input-proof.pdf` });
		await card.getByRole('button', { name: 'Reject payment', exact: true }).click();
		const dialog = staff.getByRole('alertdialog');
		await dialog.getByLabel('Why it is rejected (the tenant sees this)').fill('   ');
		await dialog.getByRole('button', { name: 'Reject payment', exact: true }).click();
		// The refusal answers inside the dialog, which stays open for another try.
		await dialog
			.getByRole('alert')
			.filter({ hasText: 'Say why the payment is rejected: the organisation sees this note.' })
			.waitFor();
		await screenshot(staff, '98-bad-input-rejection-note');
		const { rows } = await db.query(`select status::text from public.payments where id = $1`, [
			payment.id
		]);
		expect(rows[0]?.status).toBe('pending');
		expect(pageErrors).toEqual([]);
	});
});
