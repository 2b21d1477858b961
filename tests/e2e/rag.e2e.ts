/**
 * The knowledge base and the AI pages in Chromium, on an app started as npm start runs it (its
 * queue worker indexes documents), with OpenAI answered by the local fake: the owner uploads a
 * Markdown file on the documents page, watches it become Ready, asks about it on the AI page and
 * sees the answer stream in with a citation linking to the document; then submits a demo scan for
 * OCR with "add the text to the knowledge base", watches its progress reach Done without reloading
 * (the page polls), reads the recognised text, and finds it cited by the ask box. The AI pages, the documents
 * page and /admin/ai pass axe and fit a 390-px phone in light and dark (screenshots in
 * test-results/screenshots/rag/). Two sign-ins, each in its own context: the owner's, then the
 * platform admin's for /admin/ai.
 */
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { startOpenAiFake, type OpenAiFake } from '../support/fakes/openai';
import { launchBrowser, open, screenshot, signIn } from './harness';

const ANSWER = 'Zeppelin courier refunds reach the card within nineteen days [1].';

describe('documents and AI pages', () => {
	let app: App;
	let openai: OpenAiFake;
	let browser: Browser;
	let page: Page;

	beforeAll(async () => {
		openai = await startOpenAiFake();
		openai.reply = () => ANSWER;
		app = await startApp({ AI_OPENAI_API_KEY: 'sk-fake-openai' });
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			await db.query(`update public.model_providers set base_url = $1 where key = 'openai'`, [
				`${openai.url}/v1`
			]);
		} finally {
			await db.end();
		}
		browser = await launchBrowser();
		page = await signIn(browser, app.url, 'owner@acme.test');
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await openai?.close();
	});

	it('uploads a Markdown file, waits for it to be indexed, and asks about it with a cited, streamed answer', async () => {
		await open(page, '/t/acme/documents');
		await page.locator('#field-file').setInputFiles({
			name: 'returns-handbook.md',
			mimeType: 'text/markdown',
			buffer: Buffer.from(
				'# Returns\n\n## Zeppelin courier\n\nRefunds sent by zeppelin courier reach the card within nineteen days.\n'
			)
		});
		await page.getByRole('button', { name: 'Upload' }).click();
		const row = page.getByRole('row', { name: /returns-handbook\.md/ });
		await row.waitFor();
		await expect
			.poll(
				async () => {
					if (await row.getByText('Ready').isVisible()) return 'ready';
					await page.reload({ waitUntil: 'networkidle' });
					return 'waiting';
				},
				{ timeout: 30_000, interval: 500 }
			)
			.toBe('ready');

		await open(page, '/t/acme/ai');
		await page.getByLabel('Question').fill('How long do zeppelin courier refunds take?');
		await page.getByRole('button', { name: 'Ask' }).click();
		const answer = page.getByTestId('answer');
		const refusal = page.getByRole('alert');
		await answer.or(refusal).first().waitFor();
		expect(await refusal.allTextContents(), 'the ask box shows a refusal').toEqual([]);
		await answer.getByText(ANSWER).waitFor();
		const source = answer.getByRole('link', { name: /^\[1\] returns-handbook\.md/ });
		await source.waitFor();
		await expect.poll(() => answer.getByText(/^Cost \$/).isVisible()).toBe(true);
		// The model got the passage inside the template's fenced data block.
		const sent = openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
		expect(JSON.stringify(sent.body)).toMatch(
			/<data name=\\"sources\\" boundary=\\"[0-9a-f]{32}\\">/
		);
		await source.click();
		await page.waitForURL(/\/t\/acme\/documents\?q=returns-handbook\.md$/);
		await page.getByRole('row', { name: /returns-handbook\.md/ }).waitFor();
	});

	it('reads a demo scan by OCR with live progress, shows its text, and adds it to the knowledge base', async () => {
		const lines = ['Hovercraft depot memo', 'The hovercraft depot opens at seven', 'on weekdays'];
		const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="280">
			<rect width="100%" height="100%" fill="white"/>
			${lines.map((l, i) => `<text x="30" y="${80 + i * 70}" font-family="DejaVu Sans, sans-serif" font-size="40" fill="black">${l}</text>`).join('')}
		</svg>`;
		const png = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();

		await open(page, '/t/acme/documents');
		await page.getByLabel('PNG or JPEG image, or scanned PDF').setInputFiles({
			name: 'depot-memo.png',
			mimeType: 'image/png',
			buffer: png
		});
		await page.locator('#field-ocr-title').fill('Depot memo scan');
		await page.getByLabel('Add the text to the knowledge base').check();
		await page.getByRole('button', { name: 'Read the text' }).click();
		await page.getByText('Depot memo scan is queued for OCR.').first().waitFor();

		const jobs = page.getByRole('table', { name: 'OCR jobs' });
		const row = jobs.getByRole('row', { name: /Depot memo scan/ });
		await row.waitFor();
		// No reload: the page reads the job again while it is queued or running.
		await row.getByText('Done').waitFor({ timeout: 90_000 });
		expect(await row.getByTestId('ocr-progress').textContent()).toMatch(/1 of 1\s+page/);
		expect(await row.getByText(/^\d+\.\d %$/).textContent()).toMatch(/%/);
		await row.getByText('Recognised text').click();
		const text = (await row.getByTestId('ocr-text').textContent()) ?? '';
		expect(text.toLowerCase()).toContain('hovercraft depot');

		// The text is a document of the knowledge base: indexed, then cited by the ask box.
		const docs = page.getByRole('table', { name: 'Documents', exact: true });
		const docRow = docs.getByRole('row', { name: /Depot memo scan/ });
		await expect
			.poll(
				async () => {
					if (await docRow.getByText('Ready').isVisible()) return 'ready';
					await page.reload({ waitUntil: 'networkidle' });
					return 'waiting';
				},
				{ timeout: 60_000, interval: 500 }
			)
			.toBe('ready');
		await page.getByLabel('Question').fill('When does the hovercraft depot open?');
		await page.getByRole('button', { name: 'Ask' }).click();
		await page
			.getByTestId('answer')
			.getByRole('link', { name: /^\[1\] Depot memo scan/ })
			.waitFor();
	});

	it('passes axe and fits a 390-px phone in light and dark', async () => {
		const problems: string[] = [];
		const check = async (name: string, path: string) => {
			for (const view of [
				{ width: 1440, scheme: 'light' },
				{ width: 1440, scheme: 'dark' },
				{ width: 390, scheme: 'light' },
				{ width: 390, scheme: 'dark' }
			] as const) {
				await page.setViewportSize({ width: view.width, height: 900 });
				await page.emulateMedia({ colorScheme: view.scheme });
				await page.goto(path, { waitUntil: 'networkidle' });
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				await screenshot(page, `rag/${name}-${view.width}-${view.scheme}`);
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
		};
		for (const [name, path] of [
			['ai', '/t/acme/ai'],
			['playground', '/t/acme/ai/playground'],
			['ai-settings', '/t/acme/ai/settings'],
			['documents', '/t/acme/documents']
		] as const)
			await check(name, path);
		page = await signIn(browser, app.url, 'admin@tenantry.test');
		await check('admin-ai', '/admin/ai');
		expect(problems).toEqual([]);
	});
});
