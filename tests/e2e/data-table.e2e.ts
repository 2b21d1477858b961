/**
 * The data table (src/lib/components/data-table, src/lib/server/platform/list.ts) on the teams and
 * members pages: search narrows, headers sort with aria-sort, Previous/Next page through cursors
 * with the URL holding the view and the back button restoring it, bulk revoke behind a
 * confirmation, the empty states, and no sideways scroll on a phone. The rows it pages through
 * are seeded here.
 */
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, open, screenshot, signIn } from './harness';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ADA = 'a0000000-0000-4000-8000-000000000011';
const AUDITOR = 'a0000000-0000-4000-8000-000000000015';
const CREWS = 30;
const BULK = ['bulk1@example.test', 'bulk2@example.test', 'bulk3@example.test'];

/** Each body row's first column after the checkbox: its link's text, or the cell's. */
async function firstColumn(page: Page, label: string): Promise<string[]> {
	return page
		.getByRole('table', { name: label })
		.locator('tbody tr')
		.evaluateAll((rows) =>
			rows.map((row) => {
				const cell = [...row.querySelectorAll('td')].find((td) => !td.querySelector('input'));
				return (cell?.querySelector('a') ?? cell)?.textContent?.trim() ?? '';
			})
		);
}

describe('the data table', () => {
	let app: App;
	let browser: Browser;
	let db: pg.Client;

	appAndBrowser((started) => ({ app, browser } = started));

	beforeAll(async () => {
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		for (let n = 1; n <= CREWS; n++) {
			await db.query(
				`insert into public.teams (tenant_id, name, description, created_by) values ($1, $2, 'Seeded for paging', $3)`,
				[ACME, `Crew ${String(n).padStart(2, '0')}`, ADA]
			);
		}
		await db.query(
			`insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
			 select $1, e, r.id, sha256(convert_to(e, 'UTF8')), now() + interval '7 days', $2
			 from unnest($3::text[]) e, public.roles r where r.tenant_id is null and r.key = 'viewer'`,
			[ACME, ADA, BULK]
		);
	});

	afterAll(async () => {
		await db?.end();
	});

	it('pages, sorts and searches the teams through the URL, and the back button restores a view', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await open(owner, '/t/acme/teams');
		const table = owner.getByRole('table', { name: 'Teams' });
		const next = owner.getByRole('link', { name: 'Next' });
		const previous = owner.getByRole('link', { name: 'Previous' });
		// The demo's teams and the 30 crews, 25 a page, by name (then id), as SQL orders them.
		const { rows } = await db.query<{ name: string }>(
			`select name from public.teams where tenant_id = $1 order by name, id`,
			[ACME]
		);
		const names = rows.map((r) => r.name);
		expect(names.length).toBeGreaterThan(50);
		const first = await firstColumn(owner, 'Teams');
		expect(first).toEqual(names.slice(0, 25));
		expect(await owner.getByText(`${names.length} teams`).count()).toBe(1);
		expect(await previous.getAttribute('aria-disabled')).toBe('true');
		const nameHeader = table.locator('th', { hasText: 'Team' });
		expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');

		await next.click();
		await owner.waitForURL(/cursor=/);
		await table.locator('tbody tr').first().filter({ hasText: names[25]! }).waitFor();
		const second = await firstColumn(owner, 'Teams');
		expect(second).toEqual(names.slice(25, 50));
		const secondUrl = owner.url();

		await previous.click();
		await owner.waitForURL((url) => url.href !== secondUrl);
		expect(await firstColumn(owner, 'Teams')).toEqual(first);
		await owner.goBack();
		await owner.waitForURL(secondUrl);
		await table.locator('tbody tr').first().filter({ hasText: names[25]! }).waitFor();
		expect(await firstColumn(owner, 'Teams')).toEqual(second);

		// The sorted column's header turns the order round, from the first page again.
		await nameHeader.getByRole('link').click();
		await owner.waitForURL((url) => url.searchParams.get('dir') === 'desc');
		expect(new URL(owner.url()).searchParams.get('cursor')).toBeNull();
		await table
			.locator('tbody tr')
			.first()
			.filter({ hasText: names.at(-1)! })
			.waitFor();
		expect(await nameHeader.getAttribute('aria-sort')).toBe('descending');
		expect(await firstColumn(owner, 'Teams')).toEqual([...names].reverse().slice(0, 25));
		await screenshot(owner, '45-teams-sorted');
		const members = table.locator('th', { hasText: 'Members' });
		expect(await members.getAttribute('aria-sort')).toBe('none');
		await members.getByRole('link').click();
		await owner.waitForURL((url) => url.searchParams.get('sort') === 'members');
		await members.and(owner.locator('[aria-sort=ascending]')).waitFor();
		expect(await nameHeader.getAttribute('aria-sort')).toBe('none');
		await owner.goBack();
		await nameHeader.and(owner.locator('[aria-sort=descending]')).waitFor();

		// Typing searches (debounced) and keeps the sort; the URL says so.
		const search = owner.getByRole('searchbox', { name: 'Search teams' });
		await search.fill('crew 1');
		await owner.waitForURL(/q=crew/);
		expect(new URL(owner.url()).searchParams.get('dir')).toBe('desc');
		await owner.getByText('12 teams matching').waitFor();
		// Every word must match: Crew 01, 10–19 and 21, still by name descending.
		const crewsWithOne = names.filter((n) => n.startsWith('Crew') && n.includes('1')).reverse();
		expect(crewsWithOne).toHaveLength(12);
		expect(await firstColumn(owner, 'Teams')).toEqual(crewsWithOne);
		expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
		await screenshot(owner, '46-teams-search');

		await search.fill('zzz nothing');
		await owner.getByText('No results for ‘zzz nothing’').waitFor();
		await owner.getByRole('link', { name: 'Clear search' }).click();
		await table.waitFor();
		expect(new URL(owner.url()).searchParams.get('q')).toBeNull();
		expect(await search.inputValue()).toBe('');

		// A damaged link is a sentence and the first page, not an error page.
		await open(owner, '/t/acme/teams?cursor=bm9wZQ&sort=nonsense');
		await owner
			.getByText('This page link is damaged or out of date, so the first page is shown.')
			.waitFor();
		expect(await owner.getByText('This list cannot be sorted that way').count()).toBe(1);
		expect(await firstColumn(owner, 'Teams')).toEqual(first);
	});

	it('revokes ticked invitations in bulk after a confirmation, then shows the empty state', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await open(owner, '/t/acme/members');
		const invitations = owner.getByRole('table', { name: 'Pending invitations' });
		const bar = owner.locator('#invitations-bulk');
		expect(await bar.isVisible()).toBe(false);
		for (const email of BULK.slice(0, 2)) {
			await invitations.getByRole('checkbox', { name: `Select ${email}` }).check();
		}
		await bar.getByText('2 selected').waitFor();

		// Cancelling the confirmation revokes nothing.
		await bar.getByRole('button', { name: 'Revoke' }).click();
		const confirm = owner.getByRole('alertdialog', { name: 'Revoke 2 invitations?' });
		await confirm.waitFor();
		await screenshot(owner, '47-members-bulk-confirm');
		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await confirm.waitFor({ state: 'hidden' });
		const pending = async () =>
			(
				await db.query<{ email: string }>(
					`select email::text from public.invitations
					 where email = any($1) and revoked_at is null order by email`,
					[BULK]
				)
			).rows.map((r) => r.email);
		expect(await pending()).toEqual(BULK);

		await bar.getByRole('button', { name: 'Revoke' }).click();
		await confirm.getByRole('button', { name: 'Revoke' }).click();
		await owner.getByRole('status').filter({ hasText: '2 invitations revoked.' }).waitFor();
		expect(await pending()).toEqual([BULK[2]]);
		expect(await invitations.getByRole('row').filter({ hasText: BULK[0]! }).count()).toBe(0);
		expect(await invitations.getByRole('row').filter({ hasText: BULK[2]! }).count()).toBe(1);
		expect(await bar.isVisible()).toBe(false);

		// Select-all ticks the page; a second click clears it.
		const all = invitations.getByRole('checkbox', { name: 'Select every invitation on this page' });
		await all.click();
		const rows = await invitations.locator('tbody tr').count();
		await bar.getByText(`${rows} selected`).waitFor();
		await all.click();
		expect(await bar.isVisible()).toBe(false);

		// The members list's search and the invitations' are separate parameters in one URL.
		await owner.getByRole('searchbox', { name: 'Search pending invitations' }).fill('bulk');
		await owner.waitForURL((url) => url.searchParams.get('inv_q') === 'bulk');
		await invitations.locator('tbody tr').first().filter({ hasText: BULK[2]! }).waitFor();
		expect(await invitations.locator('tbody tr').count()).toBe(1);
		expect(
			await owner.getByRole('table', { name: 'Members' }).getByRole('row').count()
		).toBeGreaterThan(3);

		// With every invitation gone, the list says what to do next.
		await db.query(`update public.invitations set revoked_at = now() where tenant_id = $1`, [ACME]);
		await open(owner, '/t/acme/members');
		await owner.getByText('No pending invitations').waitFor();
		expect(await owner.getByText('Invite someone above: they get a link by email.').count()).toBe(
			1
		);
		expect(await owner.getByRole('table', { name: 'Pending invitations' }).count()).toBe(0);
	});

	it('refuses in a sentence what the database refuses in a bulk removal, and removes the rest', async () => {
		const admin = await signIn(browser, app.url, 'admin@acme.test');
		await open(admin, '/t/acme/members');
		const members = admin.getByRole('table', { name: 'Members' });
		// An admin may not tick an owner or themselves; an owner's id slipped into the form (as a
		// hand-made request would) is refused by SQL, in a sentence, while the auditor goes.
		expect(await members.getByRole('checkbox', { name: 'Select Ada Owner' }).count()).toBe(0);
		expect(await members.getByRole('checkbox', { name: 'Select Alan Admin' }).count()).toBe(0);
		await members.getByRole('checkbox', { name: 'Select Barbara Auditor' }).check();
		await admin.evaluate((ada) => {
			const input = Object.assign(document.createElement('input'), {
				type: 'hidden',
				name: 'ids',
				value: ada
			});
			document.getElementById('members-bulk')!.append(input);
		}, ADA);
		await admin.locator('#members-bulk').getByRole('button', { name: 'Remove' }).click();
		await admin
			.getByRole('alertdialog', { name: 'Remove 1 member?' })
			.getByRole('button', { name: 'Remove' })
			.click();
		await admin.getByRole('status').filter({ hasText: 'Member removed.' }).waitFor();
		expect(await admin.getByRole('alert').allTextContents()).toContainEqual(
			expect.stringContaining('Ada Owner: Only owners can make, change, invite or remove owners.')
		);
		const { rows } = await db.query<{ user_id: string }>(
			`select user_id from public.memberships where tenant_id = $1 and user_id = any($2)`,
			[ACME, [ADA, AUDITOR]]
		);
		expect(rows.map((r) => r.user_id)).toEqual([ADA]);
		expect(await members.getByRole('row').filter({ hasText: 'Barbara Auditor' }).count()).toBe(0);
	});

	it('works without JavaScript: the search is a GET form, the row menu a disclosure, the bulk bar a form', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test', { javaScriptEnabled: false });
		await open(owner, '/t/acme/teams?sort=members&dir=desc');
		await owner.getByRole('searchbox', { name: 'Search teams' }).fill('crew 2');
		await owner.getByRole('searchbox', { name: 'Search teams' }).press('Enter');
		await owner.waitForURL((url) => url.searchParams.get('q') === 'crew 2');
		// The sort survived the search (hidden fields of the GET form).
		expect(new URL(owner.url()).searchParams.get('sort')).toBe('members');
		expect(await firstColumn(owner, 'Teams')).toHaveLength(12);

		const row = owner.getByRole('row').filter({ hasText: 'Crew 29' });
		// The row's disclosure, then the confirmation's two steps.
		await row.locator('summary').first().click();
		await row.locator('summary', { hasText: 'Delete team' }).click();
		await row.getByText('Delete the team Crew 29?').waitFor();
		await row.locator('form button[type=submit]', { hasText: 'Delete team' }).click();
		await owner.getByRole('status').filter({ hasText: 'Team deleted.' }).waitFor();
		const { rows } = await db.query(`select 1 from public.teams where name = 'Crew 29'`);
		expect(rows).toHaveLength(0);

		await db.query(
			`insert into public.invitations (tenant_id, email, role_id, token_hash, expires_at, invited_by)
			 select $1, 'nojs@example.test', r.id, sha256(convert_to('nojs', 'UTF8')), now() + interval '7 days', $2
			 from public.roles r where r.tenant_id is null and r.key = 'viewer'`,
			[ACME, ADA]
		);
		await open(owner, '/t/acme/members');
		const bar = owner.locator('#invitations-bulk');
		await bar.getByText('With the invitations ticked below:').waitFor();
		await owner.getByRole('checkbox', { name: 'Select nojs@example.test' }).check();
		await bar.getByRole('button', { name: 'Revoke' }).click();
		await owner.getByRole('status').filter({ hasText: 'Invitation revoked.' }).waitFor();
		const { rows: pending } = await db.query(
			`select 1 from public.invitations where email = 'nojs@example.test' and revoked_at is null`
		);
		expect(pending).toHaveLength(0);
	});

	it('fits a phone: no sideways scroll at 390 px on the teams and members pages', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.setViewportSize({ width: 390, height: 844 });
		for (const path of ['/t/acme/teams', '/t/acme/members']) {
			await open(owner, path);
			const width = await owner.evaluate(() => document.documentElement.scrollWidth);
			expect(width, path).toBeLessThanOrEqual(390);
			await screenshot(owner, `48-phone${path.replaceAll('/', '-')}`);
		}
		// Less important columns step aside on a phone.
		expect(await owner.getByRole('columnheader', { name: 'Invited by' }).isVisible()).toBe(false);
	});
});
