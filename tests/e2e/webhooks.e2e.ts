/**
 * The webhooks pages in Chromium, on an app started as npm start runs it (the edge functions in
 * Deno, FUNCTIONS_SERVE) with WEBHOOK_ALLOW_LOOPBACK=true (as tests and the demo run it): an
 * endpoint is refused for a private address (a sentence, the values kept), created for a loopback
 * receiver the test starts (tests/support/webhook-receiver.ts, verifying with standardwebhooks),
 * its secret revealed on request and proved usable by the standardwebhooks library, rotated behind
 * a confirmation; a test event is delivered signed by both secrets of the overlap, logged with its
 * attempt, and replayed under the same webhook-id; a viewer gets no page and no nav entry; both
 * pages pass axe and fit a 390-px phone in light and dark (screenshots in
 * test-results/screenshots/webhooks/). Nothing leaves the machine.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { launchBrowser, rowAction, screenshot, signIn, submitSignIn, toast } from './harness';

/** Acme's endpoint in supabase/seeds/28_webhooks.sql: off, with three past test deliveries. */
const DEMO_ENDPOINT = '/t/acme/settings/webhooks/e1000000-0000-4000-8000-000000000001';

describe('webhooks pages', () => {
	let app: App;
	let browser: Browser;
	let endpointPath = '';
	let receiver: Receiver;
	/** The secrets revealed so far: the first, then the one rotation made. */
	const secrets: string[] = [];

	beforeAll(async () => {
		// The dispatcher runs as under npm start (FUNCTIONS_SERVE: the edge functions in Deno),
		// delivering to a receiver on loopback that verifies with standardwebhooks.
		receiver = await startReceiver([]);
		app = await startApp({ WEBHOOK_ALLOW_LOOPBACK: 'true', FUNCTIONS_SERVE: 'on' });
		browser = await launchBrowser();
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await receiver?.stop();
	});

	it('refuses a private address with the values kept, then creates an endpoint for a loopback receiver', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Webhooks' }).click();
		await owner.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
		const seeded = owner.getByRole('row').filter({ hasText: 'http://127.0.0.1:4000/webhooks' });
		expect(
			await seeded.getByTestId('endpoint-status').textContent(),
			'the demo endpoint is off'
		).toContain('Disabled');

		const form = owner.getByTestId('create-form');
		await form.getByLabel('Endpoint URL').fill('https://192.0.2.7/hooks');
		await form.getByLabel('Description', { exact: true }).fill('E2E receiver');
		await form.getByRole('button', { name: 'Add endpoint' }).click();
		await form.getByText(/192\.0\.2\.7/).waitFor();
		expect(await form.getByLabel('Endpoint URL').inputValue()).toBe('https://192.0.2.7/hooks');
		expect(await form.getByLabel('Description', { exact: true }).inputValue()).toBe('E2E receiver');

		await form.getByLabel('Endpoint URL').fill(receiver.url);
		await form.getByLabel('Only the types ticked below').check();
		await form.getByRole('button', { name: 'Add endpoint' }).click();
		await form.getByText('Tick at least one event type, or choose all events.').waitFor();
		expect(await form.getByLabel('Endpoint URL').inputValue()).toBe(receiver.url);
		expect(await form.getByLabel('Only the types ticked below').isChecked()).toBe(true);

		await form.getByRole('checkbox', { name: /^member\.added\b/ }).click();
		await form.getByRole('checkbox', { name: /^project\.created\b/ }).click();
		await form.getByRole('button', { name: 'Add endpoint' }).click();
		await owner.getByText('The endpoint was added.').waitFor();
		endpointPath = new URL(owner.url()).pathname;
		expect(endpointPath).toMatch(/^\/t\/acme\/settings\/webhooks\/[0-9a-f-]{36}$/);
		await owner.getByRole('heading', { name: 'Webhook endpoint', level: 1 }).waitFor();
		expect(await owner.getByTestId('endpoint-status').first().textContent()).toContain('Enabled');
		expect(await owner.getByTestId('edit-form').getByLabel('Endpoint URL').inputValue()).toBe(
			receiver.url
		);
		await owner.context().close();
	});

	it('reveals a secret standardwebhooks signs and verifies with, and rotates it behind a confirmation', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto(endpointPath, { waitUntil: 'networkidle' });
		expect(await owner.getByTestId('revealed-secret').count(), 'not shown until asked for').toBe(0);
		expect(await owner.content()).not.toContain('whsec_');

		await owner.getByRole('button', { name: 'Reveal secret' }).click();
		const field = owner.getByTestId('revealed-secret');
		await field.waitFor();
		const secret = await field.inputValue();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		const wh = new Webhook(secret);
		const payload = JSON.stringify({
			type: 'webhook.test',
			timestamp: new Date().toISOString(),
			data: {}
		});
		const at = new Date();
		const headers = {
			'webhook-id': 'msg_e2e',
			'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
			'webhook-signature': wh.sign('msg_e2e', at, payload)
		};
		expect(wh.verify(payload, headers)).toEqual(JSON.parse(payload));
		await owner.getByRole('button', { name: 'Copy' }).waitFor();

		await owner.getByRole('button', { name: 'Rotate secret', exact: true }).click();
		const dialog = owner.getByRole('alertdialog');
		await dialog.getByLabel('Old secret keeps signing').selectOption({ label: '1 hour' });
		await dialog.getByRole('button', { name: 'Rotate secret' }).click();
		await toast(owner, /was rotated; both sign/).waitFor();
		await owner.waitForLoadState('networkidle');
		await owner.getByRole('button', { name: 'Reveal secret' }).click();
		await field.waitFor();
		const rotated = await field.inputValue();
		expect(rotated).toMatch(/^whsec_/);
		expect(rotated).not.toBe(secret);
		expect(() => new Webhook(rotated).verify(payload, headers)).toThrow();
		secrets.push(secret, rotated);
		await owner.context().close();
	});

	it('delivers a test event signed by both secrets of the rotation, logs the attempt, and replays it under the same id', async () => {
		expect(secrets, 'the secret test ran first').toHaveLength(2);
		const [old, current] = secrets as [string, string];
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto(endpointPath, { waitUntil: 'networkidle' });
		await owner.getByRole('button', { name: 'Send a test event' }).click();
		await toast(
			owner,
			'A test event was queued for this endpoint: see it in the delivery log.'
		).waitFor();
		const first = await arrived(1);
		expect(JSON.parse(first.body)).toMatchObject({ type: 'webhook.test' });
		expect(first.id).toMatch(/^msg_[0-9a-f]{32}$/);
		// During the overlap both secrets sign: one v1 per live secret, each verifying on its own.
		expect(first.signature.split(' ')).toHaveLength(2);
		for (const secret of [current, old]) {
			expect(verifies(first, secret), 'each live secret verifies the delivery').toBe(true);
		}

		const log = owner.getByRole('table', { name: 'Deliveries to this endpoint' });
		const row = log.getByRole('row').filter({ hasText: 'webhook.test' });
		await expect
			.poll(async () => {
				await owner.reload({ waitUntil: 'networkidle' });
				return row.textContent();
			})
			.toMatch(/succeeded/i);
		expect(await row.textContent()).toContain(first.id);
		await row.getByText('1 attempt').click();
		const details = row.getByTestId('delivery-details');
		expect(await details.textContent()).toMatch(/"type": ?"webhook\.test"/);
		expect(await details.getByTestId('attempt').count()).toBe(1);
		expect(await details.getByTestId('attempt').textContent()).toContain('200');
		await screenshot(owner, 'webhooks/endpoint-with-test-delivery');

		await rowAction(owner, row, 'Replay');
		await toast(
			owner,
			'The delivery is queued again, with the same body and webhook-id.'
		).waitFor();
		const again = await arrived(2);
		expect(again.id, 'a replay keeps the webhook-id').toBe(first.id);
		expect(again.body, 'and the body').toBe(first.body);
		await expect
			.poll(async () => {
				await owner.reload({ waitUntil: 'networkidle' });
				return row.textContent();
			})
			.toContain('2 attempts');
		expect(await log.getByRole('row').filter({ hasText: 'webhook.test' }).count()).toBe(1);
		await owner.context().close();
	});

	/** Waits until the receiver holds `n` requests; returns the n-th. */
	async function arrived(n: number) {
		await expect
			.poll(() => receiver.received.length, { timeout: 30_000 })
			.toBeGreaterThanOrEqual(n);
		return receiver.received[n - 1]!;
	}

	function verifies(
		got: { id: string; timestamp: number; body: string; signature: string },
		secret: string
	) {
		try {
			new Webhook(secret).verify(got.body, {
				'webhook-id': got.id,
				'webhook-timestamp': String(got.timestamp),
				'webhook-signature': got.signature
			});
			return true;
		} catch {
			return false;
		}
	}

	it('shows the demo endpoint’s attempts and its success rate per day, chart and table', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto(DEMO_ENDPOINT, { waitUntil: 'networkidle' });
		expect(await owner.getByTestId('endpoint-status').first().textContent()).toContain('Disabled');
		const chart = owner.getByRole('img', {
			name: /Success rate of http:\/\/127\.0\.0\.1:4000\/webhooks per day/
		});
		await chart.waitFor();
		// The chart's data as a table for screen readers: three days, 100 %, 50 % and 0 %.
		const cells = await owner.locator('.sr-only table td').allTextContents();
		expect(cells.join(' ')).toMatch(/100.*50.*0/);
		const retried = owner.getByRole('row').filter({ hasText: '2 attempts' });
		await retried.getByText('2 attempts').click();
		const attempts = retried.getByTestId('attempt');
		expect(await attempts.count()).toBe(2);
		expect(await attempts.nth(0).textContent()).toMatch(/Attempt 1.*HTTP 503.*3012 ms/s);
		expect(await attempts.nth(0).textContent()).toContain('busy, retry later');
		expect(await attempts.nth(1).textContent()).toMatch(/Attempt 2.*HTTP 204/s);
		expect(
			await owner.getByRole('button', { name: /^Actions for / }).count(),
			'nothing is replayed to an endpoint that is off'
		).toBe(0);
		await owner.context().close();
	});

	it('shows a viewer no webhooks page and no nav entry', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme', { waitUntil: 'networkidle' });
		expect(await viewer.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
		expect((await viewer.goto('/t/acme/settings/webhooks'))?.status()).toBe(403);
		expect((await viewer.goto(endpointPath))?.status()).toBe(403);
		await viewer.context().close();
	});

	it('passes axe and fits a 390-px phone in light and dark on both pages', async () => {
		const problems: string[] = [];
		for (const view of [
			{ width: 1440, scheme: 'light' },
			{ width: 1440, scheme: 'dark' },
			{ width: 390, scheme: 'light' },
			{ width: 390, scheme: 'dark' }
		] as const) {
			const context = await browser.newContext({
				baseURL: app.url,
				viewport: { width: view.width, height: 900 },
				colorScheme: view.scheme
			});
			const page: Page = await context.newPage();
			page.setDefaultTimeout(60_000);
			await submitSignIn(page, 'owner@acme.test');
			await page.waitForURL((url) => !url.pathname.startsWith('/auth/'), { waitUntil: 'commit' });
			for (const path of ['/t/acme/settings/webhooks', endpointPath, DEMO_ENDPOINT]) {
				await page.goto(path, { waitUntil: 'networkidle' });
				if (path !== '/t/acme/settings/webhooks') {
					await page.getByTestId('delivery-details').first().locator('summary').click();
				}
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				await screenshot(
					page,
					`webhooks/${path === endpointPath ? 'endpoint' : path === DEMO_ENDPOINT ? 'demo' : 'list'}-${view.width}-${view.scheme}`
				);
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
			await context.close();
		}
		expect(problems, problems.join('\n')).toEqual([]);
	});
});
