/**
 * The integrations pages in Chromium, on an app started as npm start runs it, with Slack's Web API
 * answered by the local fake (tests/support/fakes/slack.ts, SLACK_API_URL): the owner connects a
 * Slack integration (the connection test passes, the workspace's channels are synced by the
 * queue), a signed event sent from outside the browser to the inbound URL is processed and shown,
 * a forged one is refused and recorded nowhere, the integration is disconnected behind a
 * confirmation; a viewer gets no page and no nav entry; both pages pass axe and fit a 390-px phone
 * in light and dark (screenshots in test-results/screenshots/integrations/). Nothing leaves the
 * machine.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlack } from '../../src/lib/server/integrations/signatures';
import { startApp, type App } from '../support/app';
import { startSlackFake, type SlackFake } from '../support/fakes/slack';
import { confirmAction, launchBrowser, screenshot, signIn, submitSignIn } from './harness';

const SIGNING_SECRET = 'e2eslacksigningsecret00000000000';

function signed(body: string, secret = SIGNING_SECRET) {
	const at = Math.floor(Date.now() / 1000);
	return {
		'content-type': 'application/json',
		'x-slack-request-timestamp': String(at),
		'x-slack-signature': signSlack(secret, at, body)
	};
}

async function reloadUntil(page: Page, what: string, probe: () => Promise<boolean>, ms = 30_000) {
	const deadline = Date.now() + ms;
	while (!(await probe())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((done) => setTimeout(done, 500));
		await page.reload({ waitUntil: 'networkidle' });
	}
}

describe('integrations pages', () => {
	let app: App;
	let browser: Browser;
	let slack: SlackFake;
	let integrationPath = '';

	beforeAll(async () => {
		slack = await startSlackFake();
		slack.token = 'xoxb-e2e-token';
		slack.channels = [
			{ id: 'C0GENERAL', name: 'general' },
			{ id: 'C0ALERTS', name: 'alerts', is_private: true }
		];
		app = await startApp({
			SLACK_API_URL: slack.url,
			WEBHOOK_ALLOW_LOOPBACK: 'true',
			QUEUE_POLL_MS: '200'
		});
		browser = await launchBrowser();
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await slack?.close();
	});

	it('connects Slack, receives a signed event from outside, refuses a forged one, and disconnects', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Integrations' }).click();
		await owner.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
		await owner.getByRole('link', { name: 'Connect Slack' }).click();
		await owner.getByRole('heading', { name: 'Connect Slack', level: 1 }).waitFor();

		await owner.getByLabel('Name', { exact: true }).fill('Acme Slack');
		await owner.getByLabel(/^Default channel/).fill('C0GENERAL');
		await owner.getByLabel('Bot token').fill('not-a-token');
		await owner.getByLabel('Signing secret').fill(SIGNING_SECRET);
		await owner.getByRole('button', { name: 'Connect Slack' }).click();
		await owner.getByText('Enter a Slack token that starts with xoxb-.').waitFor();
		expect(
			await owner.getByLabel('Name', { exact: true }).inputValue(),
			'the values are kept'
		).toBe('Acme Slack');

		await owner.getByLabel('Bot token').fill('xoxb-e2e-token');
		await owner.getByLabel('Signing secret').fill(SIGNING_SECRET);
		await owner.getByRole('button', { name: 'Connect Slack' }).click();
		await owner.locator('#content').getByText('Acme Slack is connected.').waitFor();
		expect(await owner.getByTestId('checks').textContent()).toContain(
			'Slack accepts the token for the workspace Acme Fake.'
		);
		await owner.getByRole('link', { name: 'Open the integration' }).click();
		await owner.getByRole('heading', { name: 'Acme Slack', level: 1 }).waitFor();
		integrationPath = new URL(owner.url()).pathname;
		expect(await owner.getByTestId('integration-status').first().textContent()).toContain(
			'Connected'
		);
		// The passing check queued a sync: the worker fills the channel cache.
		await reloadUntil(owner, 'the synced channels', async () =>
			((await owner.getByTestId('channels').textContent()) ?? '').includes('#general')
		);
		await screenshot(owner, 'integrations/slack-connected');

		await owner.getByRole('button', { name: 'Test connection' }).click();
		await owner.getByText('The connection test passed.').first().waitFor();

		const inbound = await owner.getByTestId('inbound-url').inputValue();
		expect(inbound).toBe(`${app.url}/api/inbound/integrations/${integrationPath.split('/').pop()}`);
		const body = JSON.stringify({
			type: 'event_callback',
			team_id: 'T0FAKE01',
			event_id: 'Ev0E2E0001',
			event_time: Math.floor(Date.now() / 1000),
			event: { type: 'app_mention', channel: 'C0GENERAL', user: 'U1', text: 'deploy please' }
		});
		const forged = await fetch(inbound, {
			method: 'POST',
			headers: signed(body, 'x'.repeat(32)),
			body
		});
		expect(forged.status).toBe(401);
		const good = await fetch(inbound, { method: 'POST', headers: signed(body), body });
		expect(good.status).toBe(202);
		const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' });
		const verified = await fetch(inbound, {
			method: 'POST',
			headers: signed(challenge),
			body: challenge
		});
		expect(await verified.json()).toEqual({ challenge: 'abc123' });

		await owner.reload({ waitUntil: 'networkidle' });
		const row = owner.getByRole('row').filter({ hasText: 'app_mention' });
		await reloadUntil(owner, 'the processed event', async () =>
			((await row.getByTestId('event-status').textContent()) ?? '').includes('Processed')
		);
		expect(await row.textContent()).toContain('Slack mention in C0GENERAL: deploy please');
		expect(
			await owner.getByRole('row').filter({ hasText: 'app_mention' }).count(),
			'recorded once, the forged one nowhere'
		).toBe(1);

		await confirmAction(owner, 'Disconnect');
		await owner
			.getByText(/The integration is disconnected/)
			.first()
			.waitFor();
		await owner.reload({ waitUntil: 'networkidle' });
		expect(await owner.getByTestId('integration-status').first().textContent()).toContain(
			'Disconnected'
		);
		const late = await fetch(inbound, { method: 'POST', headers: signed(body), body });
		expect(late.status).toBe(410);
		await owner.context().close();
	});

	it('shows a viewer no integrations page', async () => {
		const viewer = await signIn(browser, app.url, 'viewer@acme.test');
		await viewer.goto('/t/acme', { waitUntil: 'networkidle' });
		expect(await viewer.getByRole('link', { name: 'Integrations' }).count()).toBe(0);
		expect((await viewer.goto('/t/acme/settings/integrations'))?.status()).toBe(403);
		expect((await viewer.goto(integrationPath))?.status()).toBe(403);
		await viewer.context().close();
	});

	it('passes axe and fits a 390-px phone in light and dark on both pages', async () => {
		const problems: string[] = [];
		for (const view of [
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
			for (const path of ['/t/acme/settings/integrations', integrationPath]) {
				await page.goto(path, { waitUntil: 'networkidle' });
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				await screenshot(
					page,
					`integrations/${path === integrationPath ? 'integration' : 'list'}-${view.width}-${view.scheme}`
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
