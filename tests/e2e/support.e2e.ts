/**
 * A support ticket's whole life in Chromium, on an app started as npm start runs it: the owner of
 * Acme opens a ticket; support staff answer it in the console with an internal note (set apart),
 * a macro-based reply and an assignment; the owner never sees the note, replies with a screenshot
 * (a file whose lying name is refused first), staff see the file and resolve the ticket, the owner
 * reopens it. Then every support page passes axe and fits a 390-px phone in light and dark
 * (screenshots in test-results/screenshots/support/). One sign-in per person.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, open, screenshot, signIn, toast } from './harness';

const SUBJECT = 'E2E: the audit export never finishes';
const NOTE = 'E2E note: reproduced on the pelicanshard replica, do not promise a date.';
/** The smallest valid PNG: a 1×1 transparent pixel. */
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
	'base64'
);
/** A Windows executable's first bytes, named as a PDF. */
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(510, 0x90)]);

describe('support desk', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;
	let staff: Page;
	let ticketPath = '';
	let consolePath = '';

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
		staff = await signIn(browser, app.url, 'support@tenantry.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('lives: opened, answered with an internal note, replied to with a file, resolved, reopened', async () => {
		// The owner opens a ticket from the sidebar.
		await open(owner, '/t/acme');
		await owner.getByRole('link', { name: 'Support', exact: true }).click();
		await owner.getByRole('heading', { name: 'Support', level: 1 }).waitFor();
		await owner.getByRole('link', { name: 'New ticket' }).click();
		await owner.getByRole('heading', { name: 'New support ticket' }).waitFor();
		await owner.getByLabel('Subject').fill(SUBJECT);
		await owner.getByLabel('Description').fill('The CSV export of the last 90 days spins forever.');
		await owner.getByLabel('Priority').selectOption('high');
		await owner.getByRole('button', { name: 'Open ticket' }).click();
		await owner.getByRole('heading', { name: `#4 ${SUBJECT}` }).waitFor();
		ticketPath = new URL(owner.url()).pathname;
		expect(ticketPath).toBe('/t/acme/support/4');

		// Support staff find it in the queue and write an internal note, then reply with a macro.
		await open(staff, '/admin/support');
		await staff.getByRole('link', { name: 'Support', exact: true }).first().waitFor();
		await staff.getByRole('link', { name: SUBJECT }).click();
		await staff.getByRole('heading', { name: `#4 ${SUBJECT}` }).waitFor();
		consolePath = new URL(staff.url()).pathname;
		await staff.getByLabel('Internal note (staff only)').check();
		await staff.getByRole('heading', { name: 'Internal note', level: 2 }).waitFor();
		await staff.getByLabel('Note', { exact: true }).fill(NOTE);
		await staff.getByRole('button', { name: 'Add internal note' }).click();
		await toast(staff, 'Internal note added.').waitFor();
		const note = staff.getByTestId('internal-note').filter({ hasText: NOTE });
		await note.waitFor();
		expect(await note.textContent()).toContain('Internal note');

		await staff.getByLabel('Internal note (staff only)').uncheck();
		await staff.getByLabel('Macro').selectOption({ label: 'Thanks, looking into it' });
		await staff.getByRole('button', { name: 'Insert', exact: true }).click();
		expect(await staff.getByLabel('Reply', { exact: true }).inputValue()).toContain(
			'we are looking into it'
		);
		await staff
			.getByLabel('Reply', { exact: true })
			.pressSequentially(' Could you send a screenshot?');
		await staff.getByLabel('Then set the status to').selectOption('pending');
		await staff.getByRole('button', { name: 'Send reply' }).click();
		await toast(staff, 'Reply sent to the organisation.').waitFor();
		await staff.getByLabel('Assignee').selectOption({ label: 'Sue Support' });
		await staff.getByRole('button', { name: 'Assign', exact: true }).click();
		await toast(staff, 'Ticket assigned.').waitFor();

		// The owner sees the reply, waiting on them, and never the note.
		await open(owner, ticketPath);
		await owner.getByText('Could you send a screenshot?').waitFor();
		expect(await owner.getByText('Waiting on you').first().isVisible()).toBe(true);
		expect(await owner.content()).not.toContain('pelicanshard');
		expect(await owner.getByTestId('internal-note').count()).toBe(0);

		// A file whose name lies about its type is refused with the reply kept; the real one goes.
		await owner.getByLabel('Your reply').fill('Here is the screenshot.');
		await owner
			.getByLabel('Attach a file (optional)')
			.setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: EXE });
		await owner.getByRole('button', { name: 'Send reply' }).click();
		await owner.getByText(/this one is not\.$/).waitFor();
		expect(await owner.getByLabel('Your reply').inputValue()).toBe('Here is the screenshot.');
		await owner
			.getByLabel('Attach a file (optional)')
			.setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
		await owner.getByRole('button', { name: 'Send reply' }).click();
		await toast(owner, 'Reply sent with its file.').waitFor();
		const link = owner.getByRole('link', { name: 'screenshot.png' });
		await link.waitFor();
		const served = await owner.request.get((await link.getAttribute('href'))!);
		expect(served.status()).toBe(200);
		expect(served.headers()['content-type']).toBe('image/png');
		expect(served.headers()['x-content-type-options']).toBe('nosniff');
		expect(await owner.getByText('Open', { exact: true }).first().isVisible()).toBe(true);

		// Staff see the customer's file, and resolve the ticket.
		await open(staff, consolePath);
		await staff.getByRole('link', { name: 'screenshot.png' }).waitFor();
		await staff.getByLabel('Status', { exact: true }).selectOption('resolved');
		await staff.getByRole('button', { name: 'Save', exact: true }).click();
		await toast(staff, 'Ticket updated.').waitFor();

		// The owner reopens it.
		await open(owner, ticketPath);
		await owner.getByText('Resolved', { exact: true }).first().waitFor();
		await owner.getByRole('button', { name: 'Reopen' }).click();
		await toast(owner, 'Ticket reopened.').waitFor();
		await owner.getByText('Open', { exact: true }).first().waitFor();

		// The queue finds it by a reply's words; the tenant's search never finds the note's.
		await open(staff, '/admin/support?q=screenshot');
		await staff.getByRole('link', { name: SUBJECT }).waitFor();
		await open(owner, '/t/acme/support?q=pelicanshard');
		await owner
			.getByText('No support tickets')
			.or(owner.getByText(/No .*match/))
			.first()
			.waitFor();
		expect(await owner.getByRole('link', { name: SUBJECT }).count()).toBe(0);
		await open(owner, '/t/acme/support?q=screenshot');
		await owner.getByRole('link', { name: SUBJECT }).waitFor();
	});

	it('passes axe and fits a 390-px phone in light and dark', async () => {
		const problems: string[] = [];
		const pages: [Page, string, string][] = [
			[owner, '/t/acme/support', 'tenant-list'],
			[owner, ticketPath, 'tenant-ticket'],
			[owner, '/t/acme/support/new', 'tenant-new'],
			[staff, '/admin/support', 'queue'],
			[staff, consolePath, 'console-ticket'],
			[staff, '/admin/support/macros', 'macros']
		];
		for (const view of [
			{ width: 1440, scheme: 'light' },
			{ width: 390, scheme: 'light' },
			{ width: 390, scheme: 'dark' }
		] as const) {
			for (const [page, path, name] of pages) {
				await page.setViewportSize({ width: view.width, height: 900 });
				await page.emulateMedia({ colorScheme: view.scheme });
				await page.goto(path, { waitUntil: 'networkidle' });
				await screenshot(page, `support/${name}-${view.width}-${view.scheme}`);
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				const width = await page.evaluate(() => document.documentElement.scrollWidth);
				if (width > view.width) problems.push(`${where}: the page is ${width} px wide`);
				const { violations } = await new AxeBuilder({ page }).analyze();
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
		}
		expect(problems, problems.join('\n')).toEqual([]);
	});
});
