/**
 * The task board in Chromium, by two people at once (two browser contexts: the owner and the
 * admin of Acme, on the seeded Platform board, supabase/seeds/36_tasks.sql): a card dragged with
 * the mouse to another column appears there for the other person without a reload (server-sent
 * events); a card moved with the keyboard (Space, arrows, Space) is announced at every step and
 * kept after a reload; Escape puts a card back; the task page renders a description's Markdown
 * safely, takes a comment and a file, and tells the activity from the audit log; a viewer reads
 * the board but gets no handles. The board passes axe and fits a 390-px phone in light and dark
 * (screenshots in test-results/screenshots/tasks/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, screenshot, signIn, toast } from './harness';

const BOARD = '/t/acme/tasks/board/d0000000-0000-4000-8000-000000000001';

/** The titles of a column's cards, top to bottom. */
async function column(page: Page, name: string): Promise<string[]> {
	const list = page.locator('section', { has: page.getByRole('heading', { name }) }).locator('ol');
	return list.locator('[data-card] a').allTextContents();
}

async function expectColumn(page: Page, name: string, titles: string[]): Promise<void> {
	await expect.poll(() => column(page, name), { timeout: 20_000 }).toEqual(titles);
}

describe('task board', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;
	let admin: Page;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
		admin = await signIn(browser, app.url, 'admin@acme.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('moves a card with the mouse, and the other person sees it without reloading', async () => {
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Tasks' }).click();
		await owner.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
		await owner.getByRole('link', { name: 'Platform' }).click();
		await owner.getByRole('heading', { name: 'Platform board', level: 1 }).waitFor();
		await admin.goto(BOARD, { waitUntil: 'networkidle' });
		await expectColumn(admin, 'Review', ['Add CSV export to the audit log']);

		const card = owner.locator('[data-card]', { hasText: 'Archive the old status page' });
		// Onto the lower half of Review's one card: it goes after it.
		const target = owner.locator('[data-card]', { hasText: 'Add CSV export to the audit log' });
		const from = (await card.boundingBox())!;
		const to = (await target.boundingBox())!;
		await owner.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
		await owner.mouse.down();
		await owner.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2, { steps: 3 });
		await owner.mouse.move(to.x + to.width / 2, to.y + to.height * 0.8, { steps: 12 });
		await owner.mouse.up();

		await expectColumn(owner, 'Review', [
			'Add CSV export to the audit log',
			'Archive the old status page'
		]);
		await expectColumn(admin, 'Review', [
			'Add CSV export to the audit log',
			'Archive the old status page'
		]);
		await expectColumn(admin, 'To do', [
			'Rotate the staging database password',
			'Write the release notes for 2.4'
		]);
	});

	it('moves a card with the keyboard, announcing each step; Escape puts one back', async () => {
		await owner.reload({ waitUntil: 'networkidle' });
		await admin.reload({ waitUntil: 'networkidle' });
		const announcer = owner.getByTestId('board-announcer');
		const handle = owner.getByRole('button', { name: 'Move Write the release notes for 2.4' });
		await handle.focus();
		await owner.keyboard.press('Space');
		await expect
			.poll(() => announcer.textContent())
			.toContain('Picked up Write the release notes for 2.4');
		await owner.keyboard.press('ArrowUp');
		await expect.poll(() => announcer.textContent()).toContain('To do, position 1 of 2');
		await owner.keyboard.press('ArrowRight');
		await expect.poll(() => announcer.textContent()).toContain('In progress, position 1 of 2');
		await owner.keyboard.press('Space');
		await expect
			.poll(() => announcer.textContent())
			.toContain('dropped in In progress, position 1 of 2');
		await expectColumn(owner, 'In progress', [
			'Write the release notes for 2.4',
			'Fix the login redirect loop'
		]);
		await expectColumn(admin, 'In progress', [
			'Write the release notes for 2.4',
			'Fix the login redirect loop'
		]);
		await owner.reload({ waitUntil: 'networkidle' });
		await expectColumn(owner, 'In progress', [
			'Write the release notes for 2.4',
			'Fix the login redirect loop'
		]);

		const other = owner.getByRole('button', { name: 'Move Fix the login redirect loop' });
		await other.focus();
		await owner.keyboard.press('Space');
		await owner.keyboard.press('ArrowRight');
		await owner.keyboard.press('Escape');
		await expect.poll(() => announcer.textContent()).toContain('Move cancelled');
		await expectColumn(owner, 'In progress', [
			'Write the release notes for 2.4',
			'Fix the login redirect loop'
		]);

		// Both people move cards into Review at once: both land, in a strict order.
		const a = owner.getByRole('button', { name: 'Move Rotate the staging database password' });
		const b = admin.getByRole('button', { name: 'Move Write the release notes for 2.4' });
		await a.focus();
		await owner.keyboard.press('Space');
		await owner.keyboard.press('ArrowRight');
		await owner.keyboard.press('ArrowRight');
		await b.focus();
		await admin.keyboard.press('Space');
		await admin.keyboard.press('ArrowRight');
		await Promise.all([owner.keyboard.press('Space'), admin.keyboard.press('Space')]);
		await expect
			.poll(async () => (await column(admin, 'Review')).sort(), { timeout: 20_000 })
			.toEqual(
				[
					'Add CSV export to the audit log',
					'Archive the old status page',
					'Rotate the staging database password',
					'Write the release notes for 2.4'
				].sort()
			);
		await expectColumn(owner, 'Review', await column(admin, 'Review'));
	});

	it('opens a task: safe Markdown, a comment, a file and the activity', async () => {
		await owner.goto(BOARD, { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Fix the login redirect loop' }).click();
		await owner.getByRole('heading', { name: 'Fix the login redirect loop', level: 1 }).waitFor();
		expect(await owner.getByTestId('description').locator('code').first().textContent()).toBe(
			'/auth/sign-in'
		);
		await owner
			.getByLabel('Description (Markdown)')
			.fill('[click](javascript:alert(1)) <img src=x onerror=alert(2)>');
		await owner.getByRole('button', { name: 'Save' }).click();
		await toast(owner, 'Task saved.').waitFor();
		const description = owner.getByTestId('description');
		await description.getByText('click').waitFor();
		expect(await description.locator('img, script, [href^="javascript"]').count()).toBe(0);
		expect(await description.textContent()).toContain('<img src=x onerror=alert(2)>');

		await owner.getByLabel('New comment').fill('Fixed in **#123**');
		await owner.getByRole('button', { name: 'Comment', exact: true }).click();
		await toast(owner, 'Comment posted.').waitFor();
		await owner
			.getByRole('article', { name: 'Comment by Ada Owner' })
			.locator('strong', { hasText: '#123' })
			.first()
			.waitFor();

		await owner.getByLabel('Attach a file').setInputFiles({
			name: 'trace.txt',
			mimeType: 'text/plain',
			buffer: Buffer.from('redirect loop trace\n')
		});
		await owner.getByRole('button', { name: 'Attach', exact: true }).click();
		await toast(owner, 'trace.txt attached.').waitFor();
		await owner.getByRole('list', { name: 'Files of this task' }).getByText('trace.txt').waitFor();

		const activity = owner.getByTestId('activity');
		await activity.getByText('Ada Owner commented').waitFor();
		await activity.getByText('Ada Owner edited the description').waitFor();
		await activity.getByText('The system created the task in In progress').waitFor();
	});

	it('shows a viewer the board without handles; passes axe at phone width in both themes', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto(BOARD, { waitUntil: 'networkidle' });
		await viewer.getByRole('heading', { name: 'Platform board', level: 1 }).waitFor();
		expect(await viewer.getByRole('button', { name: /^Move / }).count()).toBe(0);
		await viewer.context().close();

		await owner.setViewportSize({ width: 390, height: 844 });
		for (const theme of ['light', 'dark'] as const) {
			await owner.emulateMedia({ colorScheme: theme });
			await owner.goto(BOARD, { waitUntil: 'networkidle' });
			await owner.evaluate(
				(t) => document.documentElement.classList.toggle('dark', t === 'dark'),
				theme
			);
			const { violations } = await new AxeBuilder({ page: owner }).analyze();
			const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
			expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
			// What sticks out past the viewport, outside a scrolling container (the board scrolls).
			const sticking = await owner.evaluate(() =>
				[...document.querySelectorAll('body *')]
					.filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
					.filter((el) => !el.closest('[role="region"]'))
					.map((el) => `${el.tagName.toLowerCase()}.${el.className}`.slice(0, 80))
					.slice(0, 5)
			);
			const overflow = await owner.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
			expect(
				overflow,
				`the page does not scroll sideways: ${sticking.join(' | ')}`
			).toBeLessThanOrEqual(0);
			await screenshot(owner, `tasks/board-${theme}-390`);
		}
		await owner.goto('/t/acme/tasks', { waitUntil: 'networkidle' });
		await screenshot(owner, 'tasks/list-dark-390');
	});
});
