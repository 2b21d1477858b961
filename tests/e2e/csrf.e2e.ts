/**
 * Issue 9 §1: a real form on another origin, auto-submitted in Chromium to the app's profile action
 * with the person's session cookie, is refused (403) under `npm start`. On the dev server `npm start`
 * used to run, SvelteKit's CSRF origin check is off, and the same form changed the profile.
 */
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp, type App } from '../support/app';
import { launchBrowser, open, screenshot, signIn } from './harness';

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** A page on 127.0.0.1:`port` that posts a form to `action` as soon as it loads. */
async function serveAttackerPage(
	port: number,
	action: string,
	fields: Record<string, string>
): Promise<Server> {
	const inputs = Object.entries(fields)
		.map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
		.join('');
	const html = `<!doctype html><title>Win a prize</title>
<form method="POST" action="${escape(action)}">${inputs}</form>
<script>document.forms[0].submit()</script>`;
	const server = createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return server;
}

describe('cross-origin form posts', () => {
	let app: App;
	let browser: Browser;
	let attacker: Server | undefined;
	let db: pg.Client;

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		db = new pg.Client(app.databaseUrl);
		await db.connect();
	});
	afterAll(async () => {
		await db?.end();
		attacker?.close();
		await browser?.close();
		await app?.stop();
	});

	const fullName = async () =>
		(await db.query(`select full_name from public.profiles where email = 'owner@acme.test'`))
			.rows[0].full_name as string;

	it('a form on another origin posting to the profile action with the session cookie is refused (403), the profile unchanged', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		const before = await fullName();

		// The attacker's page is on another port of the same host: another origin, but the same site,
		// so the browser sends the SameSite=Lax session cookie and only the origin check stands.
		const port = await freePort();
		attacker = await serveAttackerPage(port, `${app.url}/account?/profile`, {
			full_name: 'Pwned by CSRF'
		});
		const attackerOrigin = `http://localhost:${port}`;
		const refused = owner.waitForResponse(
			(r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/account'
		);
		await owner.goto(attackerOrigin);
		const response = await refused;
		const sent = await response.request().allHeaders();
		expect(sent.origin).toBe(attackerOrigin);
		expect(sent.cookie ?? '').toContain('tenantry_access=');
		expect(response.status()).toBe(403);
		await owner.getByText('Cross-site POST form submissions are forbidden').waitFor();
		await screenshot(owner, '50-cross-origin-form-refused');
		expect(await fullName()).toBe(before);

		// The same action from the app's own page goes through: the session was good all along.
		await open(owner, '/account');
		await owner.getByLabel('Display name').fill('Olivia Owner');
		await owner.getByRole('button', { name: 'Save' }).first().click();
		await owner.getByText('Your name is saved.').waitFor();
		expect(await fullName()).toBe('Olivia Owner');
	});
});
