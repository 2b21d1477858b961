/**
 * Dashboards in Chromium (issue 18 §7), as Acme's owner in one signed-in context: build a
 * dashboard, add two widgets, move one with the mouse and one with the keyboard (kept after a
 * reload), set the auto refresh and see "last updated", share it for one listed origin, open the
 * link signed out in a second context (the snapshot, read-only, CSP frame-ancestors naming only
 * that origin: framed there, refused by Chromium from another origin), revoke it and see it
 * refused. Screenshots in test-results/screenshots/bi/.
 */
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp, type App } from '../support/app';
import { launchBrowser, screenshot, signIn } from './harness';

/** A page on 127.0.0.1:<port> that frames `src`: an embedding site. */
async function framingSite(): Promise<{
	origin: string;
	frame: (src: string) => void;
	server: Server;
}> {
	let src = 'about:blank';
	const port = await freePort();
	const server = createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'text/html' });
		res.end(
			`<!doctype html><title>Intranet</title><iframe src="${src}" width="1000" height="600"></iframe>`
		);
	});
	await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
	return { origin: `http://127.0.0.1:${port}`, frame: (s) => (src = s), server };
}

describe('dashboards', () => {
	let app: App;
	let browser: Browser;
	let owner: Page;
	let listed: Awaited<ReturnType<typeof framingSite>>;
	let unlisted: Awaited<ReturnType<typeof framingSite>>;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		owner = await signIn(browser, app.url, 'owner@acme.test');
		listed = await framingSite();
		unlisted = await framingSite();
	}, 180_000);
	afterAll(async () => {
		listed?.server.close();
		unlisted?.server.close();
		await browser?.close();
		await app?.stop();
	});

	const cell = (title: string) =>
		owner.locator('[data-widget]', { has: owner.getByRole('heading', { name: title }) });

	it('builds, lays out, shares, embeds and revokes a dashboard', async () => {
		await owner.goto('/t/acme/dashboards', { waitUntil: 'networkidle' });
		await owner.getByRole('heading', { name: 'Dashboards', level: 1 }).waitFor();
		await screenshot(owner, 'bi/dashboards');
		await owner.getByLabel('Name').fill('Operations');
		await owner.getByRole('button', { name: 'Create dashboard' }).click();
		await owner.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
		expect(owner.url()).toContain('edit=1');

		for (const [title, kind, source] of [
			['Calls', 'bar', 'metric:api_calls'],
			['People', 'kpi', 'metric:active_users']
		]) {
			await owner.getByLabel('Title').fill(title!);
			await owner.getByLabel('Kind').selectOption(kind!);
			await owner.getByLabel('Shows').selectOption(source!);
			await owner.getByRole('button', { name: 'Add widget' }).click();
			await cell(title!).waitFor();
		}
		await expect.poll(() => cell('People').getAttribute('data-y')).toBe('3');

		// The mouse: People's handle dragged three columns to the right.
		const handle = owner.getByRole('button', { name: /^Move People/ });
		const box = (await handle.boundingBox())!;
		const grid = (await owner.getByTestId('dashboard-grid').boundingBox())!;
		await owner.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await owner.mouse.down();
		await owner.mouse.move(box.x + (grid.width / 12) * 3, box.y + box.height / 2, { steps: 8 });
		await owner.mouse.up();
		await expect.poll(() => cell('People').getAttribute('data-x'), { timeout: 20_000 }).toBe('3');

		// The keyboard: Calls' handle focused, one step right.
		await owner.getByRole('button', { name: /^Move Calls/ }).focus();
		await owner.keyboard.press('ArrowRight');
		await expect.poll(() => cell('Calls').getAttribute('data-x'), { timeout: 20_000 }).toBe('1');
		await screenshot(owner, 'bi/editor');

		await owner.getByLabel('Auto refresh').selectOption('60');
		await owner.getByLabel('Default time range').selectOption('7d');
		await owner.getByRole('button', { name: 'Save settings' }).click();
		await owner.getByText('refreshes every 60 s').waitFor();

		await owner.reload({ waitUntil: 'networkidle' });
		expect(await cell('People').getAttribute('data-x')).toBe('3');
		expect(await cell('Calls').getAttribute('data-x')).toBe('1');
		expect(
			await owner.getByRole('link', { name: 'Last 7 days' }).getAttribute('aria-current')
		).toBe('true');
		await expect.poll(() => owner.getByText(/^Last updated/).count()).toBe(1);

		await owner.getByLabel('May be embedded on').fill(listed.origin);
		await owner.getByRole('button', { name: 'Create a link' }).click();
		const link = await owner.getByTestId('share-link').inputValue();
		expect(link).toMatch(/\/share\/[A-Za-z0-9_-]{43}$/);

		const visitor = await (await browser.newContext()).newPage();
		const response = await visitor.goto(link, { waitUntil: 'networkidle' });
		expect(response?.status()).toBe(200);
		const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
		expect(csp).toContain(`frame-ancestors ${listed.origin}`);
		expect(csp).not.toContain(unlisted.origin);
		await visitor.getByRole('heading', { name: 'Operations' }).first().waitFor();
		expect(await visitor.getByRole('button', { name: /^Move/ }).count()).toBe(0);
		await screenshot(visitor, 'bi/shared');

		listed.frame(link);
		await visitor.goto(listed.origin, { waitUntil: 'networkidle' });
		await visitor
			.frameLocator('iframe')
			.getByRole('heading', { name: 'Operations' })
			.first()
			.waitFor();
		unlisted.frame(link);
		await visitor.goto(unlisted.origin, { waitUntil: 'networkidle' });
		// Chromium replaces a frame its CSP refuses with its own error page: no dashboard in it.
		const refused = visitor.frames().find((f) => f !== visitor.mainFrame());
		expect(refused, 'the unlisted origin framed the link').toBeDefined();
		await expect.poll(() => refused!.getByRole('heading', { name: 'Operations' }).count()).toBe(0);

		await owner.getByRole('button', { name: 'Revoke' }).click();
		await owner.getByRole('button', { name: 'Revoke the link' }).click();
		await owner.getByText('· revoked').waitFor();
		expect((await visitor.goto(link))?.status()).toBe(404);
	}, 120_000);
});
