/**
 * /docs/api in Chromium: Scalar's bundle, served from the app's own origin under the page's strict
 * Content-Security-Policy, renders the reference from /api/v1/openapi.json — the operations are on
 * the page — with no CSP violation and no request to another origin.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { App } from '../support/app';
import { appAndBrowser, screenshot } from './harness';

describe('the API reference page', () => {
	let app: App;
	let browser: Browser;
	appAndBrowser((opened) => ({ app, browser } = opened));

	it('renders the OpenAPI document with Scalar from this origin only', async () => {
		const context = await browser.newContext({ baseURL: app.url });
		const page = await context.newPage();
		const problems: string[] = [];
		const origins = new Set<string>();
		page.on('console', (message) => {
			if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
		});
		page.on('pageerror', (error) => problems.push(error.message));
		page.on('request', (request) => origins.add(new URL(request.url()).origin));
		await page.goto('/docs/api', { waitUntil: 'networkidle' });
		await expect
			.poll(() => page.getByText('Tenantry REST API').first().isVisible(), { timeout: 30_000 })
			.toBe(true);
		await screenshot(page, 'api-reference');
		const text = await page.locator('body').innerText();
		expect(text).toContain('Projects');
		expect(problems).toEqual([]);
		expect(
			[...origins].filter((o) => o !== new URL(app.url).origin && !o.startsWith('data:'))
		).toEqual([]);
		await context.close();
	});
});
