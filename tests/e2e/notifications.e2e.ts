import { randomUUID } from 'node:crypto';
/**
 * Notifications in Chromium: the bell's count rises in a member's open page WITHOUT a reload when
 * something happens elsewhere (a sign-in to their account from another browser; a role change,
 * published as the members trigger does), the popover's "Mark all read", the inbox's mark read,
 * unread and archive, preferences saved and honoured (security notices locked), and the pages
 * axe-clean and no wider than a 390-px phone in both themes, with screenshots to look at.
 */
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, open, rowAction, screenshot, signIn, submitSignIn, toast } from './harness';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const VIEWER = { id: 'a0000000-0000-4000-8000-000000000014', email: 'viewer@acme.test' };

/** A member.role_changed payload as the catalogue has it (src/lib/server/events/catalogue.ts). */
function roleChangedPayload(roles: string[], previous: string[]) {
	return {
		user_id: VIEWER.id,
		membership_id: randomUUID(),
		owner: false,
		roles,
		previous: { owner: false, roles: previous }
	};
}

describe('notifications', () => {
	let app: App;
	let browser: Browser;
	let db: pg.Client;
	let member: Page;
	appAndBrowser((opened) => ({ app, browser } = opened));

	/** As the database owner, in the transaction of the change (what the modules' triggers do). */
	const publish = async (type: string, payload: Record<string, unknown>) => {
		const { rows } = await db.query<{ id: string }>(
			`select private.publish_event($1, $2, 'member', $3, $4::jsonb) as id`,
			[ACME, type, VIEWER.id, JSON.stringify(payload)]
		);
		return rows[0]!.id;
	};
	const bell = (page: Page) => page.getByTestId('notification-bell');
	/** The popover fades in: screenshots and axe look at it once it is opaque. */
	const popoverShown = (page: Page) =>
		page.waitForFunction(() => {
			const content = document.querySelector('[data-slot=popover-content]');
			return content !== null && getComputedStyle(content).opacity === '1';
		});
	const inboxCount = async (kind: string) =>
		Number(
			(
				await db.query<{ n: string }>(
					`select count(*) as n from public.notifications where user_id = $1 and kind = $2`,
					[VIEWER.id, kind]
				)
			).rows[0]!.n
		);

	beforeAll(async () => {
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
	});
	afterAll(async () => {
		await db?.end();
	});

	it('raises the bell in the member’s open page without a reload, and marks all read', async () => {
		member = await signIn(browser, app.url, VIEWER.email);
		await open(member, '/t/acme');
		await expect.poll(() => bell(member).getAttribute('aria-label')).toBe('Notifications');
		// Set on this document: a reload or navigation would lose it.
		await member.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

		// Another browser (another device) signs in to the member's account: a security notice.
		const elsewhere = await (
			await browser.newContext({ baseURL: app.url, userAgent: 'NotificationTest/1.0 (phone)' })
		).newPage();
		elsewhere.setDefaultTimeout(60_000);
		await submitSignIn(elsewhere, VIEWER.email);
		await elsewhere.getByRole('heading', { name: 'Your organisations' }).waitFor();
		await expect
			.poll(() => bell(member).getAttribute('aria-label'), { timeout: 20_000 })
			.toBe('Notifications, 1 unread');

		// An owner changes the member's role: what the members module publishes (its catalogue payload).
		await publish('member.role_changed', roleChangedPayload(['developer'], ['viewer']));
		await expect
			.poll(() => bell(member).getAttribute('aria-label'), { timeout: 20_000 })
			.toBe('Notifications, 2 unread');
		expect(await member.locator('[data-unread]').textContent()).toBe('2');
		expect(
			await member.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)
		).toBe(true);

		await bell(member).click();
		const latest = member.getByRole('list', { name: 'Latest notifications' });
		await expect.poll(() => latest.getByRole('listitem').count()).toBe(2);
		expect(await latest.textContent()).toContain('New sign-in from a new device or address');
		expect(await latest.textContent()).toContain("A member's role changed");
		await popoverShown(member);
		await screenshot(member, 'notifications/bell-open');
		await member.getByRole('button', { name: 'Mark all read' }).click();
		await expect
			.poll(() => bell(member).getAttribute('aria-label'), { timeout: 20_000 })
			.toBe('Notifications');
		// The bell's endpoints answer the session only.
		const state = await (await member.request.get('/api/notifications')).json();
		expect(state).toMatchObject({ unread: 0, latest: [{ read: true }, { read: true }] });
		expect((await fetch(`${app.url}/api/notifications`)).status).toBe(401);
		expect((await fetch(`${app.url}/api/notifications/stream`)).status).toBe(401);
		await elsewhere.context().close();
	}, 180_000);

	it('marks read, unread and archives in the inbox, and the link opens what it is about', async () => {
		await open(member, '/account/inbox');
		const table = member.getByRole('table');
		const role = table.getByRole('row').filter({ hasText: "A member's role changed" });
		await rowAction(member, role, /^Mark unread/);
		await toast(member, 'Marked unread.').waitFor();
		await expect
			.poll(() => bell(member).getAttribute('aria-label'))
			.toBe('Notifications, 1 unread');
		await rowAction(member, role, /^Mark read/);
		await toast(member, 'Marked read.').waitFor();
		await expect.poll(() => bell(member).getAttribute('aria-label')).toBe('Notifications');

		const signInRow = table.getByRole('row').filter({ hasText: 'New sign-in' });
		await rowAction(member, signInRow, /^Archive/);
		await toast(member, 'Archived.').waitFor();
		await expect.poll(() => signInRow.count()).toBe(0);
		await member.getByRole('link', { name: 'Archived' }).click();
		await member.getByRole('row').filter({ hasText: 'New sign-in' }).waitFor();
		await screenshot(member, 'notifications/inbox-archived');

		await member.getByRole('link', { name: 'Inbox', exact: true }).first().click();
		await member.getByRole('button', { name: "A member's role changed", exact: true }).click();
		await member.waitForURL('**/t/acme/members');
	}, 180_000);

	it('saves preferences, honours them, and shows the security notices locked', async () => {
		await open(member, '/account/notifications');
		const locked = member.getByRole('group', { name: 'New sign-in from a new device or address' });
		expect(await locked.getByLabel('In the app').isDisabled()).toBe(true);
		expect(await locked.getByLabel('By email').isChecked()).toBe(true);
		expect(await locked.textContent()).toContain('Always sent in the app and by email');

		const roleChanged = member.getByRole('group', { name: "A member's role changed" });
		await roleChanged.getByLabel('In the app').uncheck();
		const joined = member.getByRole('group', { name: 'Someone joined' });
		await joined.getByLabel('By email').check();
		await joined.getByRole('combobox').selectOption('daily');
		await member.getByRole('button', { name: 'Save preferences' }).click();
		await toast(member, 'Your notification preferences are saved.').waitFor();
		await member.reload({ waitUntil: 'networkidle' });
		expect(await roleChanged.getByLabel('In the app').isChecked()).toBe(false);
		expect(await joined.getByRole('combobox').inputValue()).toBe('daily');

		const before = await inboxCount('member.role_changed');
		const event = await publish(
			'member.role_changed',
			roleChangedPayload(['viewer'], ['developer'])
		);
		await expect
			.poll(
				async () =>
					(await db.query(`select 1 from private.notification_queue where event_id = $1`, [event]))
						.rowCount,
				{ timeout: 20_000 }
			)
			.toBe(0);
		expect(await inboxCount('member.role_changed')).toBe(before);
	}, 180_000);

	it('lets a holder of notifications.manage choose what the organisation sends its admins', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await open(owner, '/t/acme/settings/notifications');
		const domain = owner.getByRole('group', { name: 'Custom domain verified' });
		await domain.getByLabel('By email').uncheck();
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await toast(owner, 'The organisation’s notification settings are saved.').waitFor();
		const { rows } = await db.query<{ email: boolean; in_app: boolean }>(
			`select email, in_app from public.tenant_notification_settings where tenant_id = $1 and kind = 'domain.verified'`,
			[ACME]
		);
		expect(rows).toEqual([{ email: false, in_app: true }]);
		// The seed's unread notifications show on the owner's bell.
		await expect
			.poll(() => bell(owner).getAttribute('aria-label'))
			.toMatch(/^Notifications, \d+ unread$/);
		await owner.context().close();
	}, 180_000);

	it('posts a kind to a Slack channel of the organisation, and stops', async () => {
		// A Slack integration without a bot token: nothing this file publishes is a kind posted to
		// it, and a post could not reach any network (postSlackMessage refuses before a request).
		await db.query(
			`insert into public.integrations (tenant_id, type, name, config, status)
			 values ($1, 'slack', 'Acme alerts', '{"default_channel": "C0GENERAL"}', 'connected')`,
			[ACME]
		);
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await open(owner, '/t/acme/settings/notifications');
		const slack = owner.getByTestId('slack-form');
		await slack.getByLabel('Notification').selectOption({ label: 'Webhook endpoint turned off' });
		await slack.getByLabel('Channel').fill('not a channel!');
		await slack.getByRole('button', { name: 'Post to Slack' }).click();
		await slack
			.getByText('Enter a channel id such as C0123ABCD or a name such as #alerts.')
			.waitFor();
		expect(await slack.getByLabel('Notification').inputValue()).toBe('webhook.endpoint_disabled');
		await slack.getByLabel('Channel').fill('#alerts');
		await slack.getByRole('button', { name: 'Post to Slack' }).click();
		await toast(owner, 'Webhook endpoint turned off is posted to #alerts from now on.').waitFor();
		await owner.getByTestId('slack-routes').getByText('→ #alerts (Acme alerts)').waitFor();
		const { rows } = await db.query<{ slack_channel: string }>(
			`select slack_channel from public.tenant_notification_settings where tenant_id = $1 and kind = 'webhook.endpoint_disabled'`,
			[ACME]
		);
		expect(rows).toEqual([{ slack_channel: '#alerts' }]);
		await owner.getByRole('button', { name: 'Stop posting' }).click();
		await owner.getByRole('alertdialog').getByRole('button', { name: 'Stop posting' }).click();
		await toast(owner, 'It is no longer posted to Slack.').waitFor();
		const after = await db.query(
			`select 1 from public.tenant_notification_settings where tenant_id = $1 and kind = 'webhook.endpoint_disabled'`,
			[ACME]
		);
		expect(after.rows).toEqual([]);
		// Posted again, so the design checks below see the list and the form.
		await slack.getByLabel('Notification').selectOption({ label: 'Webhook endpoint turned off' });
		await slack.getByLabel('Channel').fill('C0ALERTS');
		await slack.getByRole('button', { name: 'Post to Slack' }).click();
		await toast(owner, 'Webhook endpoint turned off is posted to C0ALERTS from now on.').waitFor();
		await owner.context().close();
	}, 180_000);

	it('is axe-clean and fits a 390-px phone in both themes', async () => {
		const problems: string[] = [];
		for (const scheme of ['light', 'dark'] as const) {
			for (const width of [1440, 390]) {
				const context = await browser.newContext({
					baseURL: app.url,
					viewport: { width, height: 844 },
					colorScheme: scheme
				});
				const page = await context.newPage();
				page.setDefaultTimeout(60_000);
				await submitSignIn(page, 'owner@acme.test');
				await page.getByRole('heading', { name: 'Your organisations' }).waitFor();
				for (const path of [
					'/account/inbox',
					'/account/notifications',
					'/t/acme/settings/notifications',
					'bell'
				]) {
					if (path === 'bell') {
						await open(page, '/t/acme');
						await bell(page).click();
						await page.getByRole('list', { name: 'Latest notifications' }).waitFor();
						await popoverShown(page);
					} else {
						await open(page, path);
					}
					const where = `${path} at ${width} px, ${scheme}`;
					await screenshot(page, `notifications/${path.replace(/\W+/g, '_')}-${width}-${scheme}`);
					const wide = await page.evaluate(() => document.documentElement.scrollWidth);
					if (wide > width) problems.push(`${where}: the page is ${wide} px wide`);
					const { violations } = await new AxeBuilder({ page }).analyze();
					for (const v of violations.filter(
						(v) => v.impact === 'serious' || v.impact === 'critical'
					))
						problems.push(
							`${where}: axe ${v.impact} ${v.id} at ${v.nodes
								.map((n) => n.target.join(' '))
								.slice(0, 3)
								.join('; ')}`
						);
				}
				await context.close();
			}
		}
		expect(problems, problems.join('\n')).toEqual([]);
	}, 600_000);
});
