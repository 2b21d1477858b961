/**
 * The console's Jobs page: a super_admin sees each queue's depth and its dead letters with their
 * errors, retries one and cancels another through the confirmations (the database then holds a
 * pending and a cancelled job, both audited under their name), support staff are refused the page,
 * and it passes axe and fits a 390-px phone in both themes (screenshots at 1440 and 390). The jobs
 * are queued and failed through the queue's own RPCs on the app's database, in a queue no handler
 * of the app runs.
 */
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, open, rowAction, screenshot, signIn, toast } from './harness';

const ACME_ID = 'b0000000-0000-4000-8000-000000000001';
const QUEUE = 'e2e.demo';

describe('the console’s Jobs page', () => {
	let app: App;
	let browser: Browser;
	let db: pg.Client;
	let admin: Page;
	const ids: Record<'broken' | 'timeout' | 'waiting', string> = {
		broken: '',
		timeout: '',
		waiting: ''
	};

	beforeAll(async () => {
		app = await startApp();
		browser = await launchBrowser();
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		await db.query(`select private.register_job_queue($1, 'Demo jobs of the e2e test', 2)`, [
			QUEUE
		]);
		const enqueue = async (payload: object, tenant: string | null) =>
			(
				await db.query<{ id: string }>(`select private.enqueue_job($1, $2::jsonb, $3) as id`, [
					QUEUE,
					JSON.stringify(payload),
					tenant
				])
			).rows[0]!.id;
		ids.broken = await enqueue({ n: 1 }, ACME_ID);
		ids.timeout = await enqueue({ n: 2 }, null);
		for (const [id, error] of [
			[ids.broken, 'The report template is missing: nothing to render.'],
			[ids.timeout, 'The provider did not answer within 30 s.']
		] as const) {
			await db.query(`update public.jobs set run_at = now() - interval '1 minute' where id = $1`, [
				id
			]);
			const claimed = await db.query(`select id from public.claim_jobs($1, 'e2e-worker', 1, 60)`, [
				[QUEUE]
			]);
			expect(claimed.rows[0]?.id).toBe(id);
			await db.query(`select * from public.fail_job($1, 'e2e-worker', $2, false)`, [id, error]);
		}
		ids.waiting = await enqueue({ n: 3 }, null);
		admin = await signIn(browser, app.url, 'admin@tenantry.test');
	});
	afterAll(async () => {
		await db?.end();
		await browser?.close();
		await app?.stop();
	});

	const status = async (id: string) =>
		(await db.query<{ status: string }>(`select status from public.jobs where id = $1`, [id]))
			.rows[0]?.status;

	for (const [width, height] of [
		[1440, 900],
		[390, 844]
	] as const) {
		for (const colorScheme of ['light', 'dark'] as const) {
			it(`at ${width} px (${colorScheme}): the queue and its dead letters, no serious axe violation, no sideways scroll`, async () => {
				const context = await browser.newContext({
					baseURL: app.url,
					viewport: { width, height },
					colorScheme,
					storageState: await admin.context().storageState()
				});
				const page = await context.newPage();
				page.setDefaultTimeout(60_000);
				await open(page, '/admin/jobs');
				await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
				const card = page.getByTestId(`queue-${QUEUE}`);
				expect(await card.getByTestId('pending').innerText()).toBe('1');
				expect(await card.getByTestId('failed').innerText()).toBe('2');
				const table = page.getByRole('table', { name: 'Dead letters' });
				await table.getByText('The report template is missing: nothing to render.').waitFor();
				await table.getByText('The provider did not answer within 30 s.').waitFor();
				await screenshot(page, `admin-jobs-${width}-${colorScheme}`);
				const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
				expect(scrollWidth, 'no sideways scroll').toBeLessThanOrEqual(width);
				const { violations } = await new AxeBuilder({ page }).include('main').analyze();
				expect(
					violations
						.filter((v) => v.impact === 'serious' || v.impact === 'critical')
						.map((v) => `${v.id}: ${v.nodes.map((n) => n.html.slice(0, 120)).join(', ')}`)
				).toEqual([]);
				await context.close();
			});
		}
	}

	it('retries one dead letter and cancels another, each asked first and audited', async () => {
		await open(admin, '/admin/jobs');
		const table = admin.getByRole('table', { name: 'Dead letters' });
		const row = (text: string) => table.locator('tbody tr').filter({ hasText: text });

		await rowAction(admin, row('The report template is missing'), /^Retry job/, 'Retry job');
		await toast(admin, 'The job is queued again, due now with all its attempts.').waitFor();
		expect(await status(ids.broken)).toBe('pending');
		await row('The report template is missing').waitFor({ state: 'detached' });

		await rowAction(admin, row('The provider did not answer'), /^Cancel job/, 'Cancel job');
		await toast(admin, 'The job is cancelled: it will not run.').waitFor();
		expect(await status(ids.timeout)).toBe('cancelled');
		await admin.getByText('No dead letters').waitFor();
		expect(await admin.getByTestId(`queue-${QUEUE}`).getByTestId('pending').innerText()).toBe('2');

		const audit = await db.query<{ action: string; target_id: string; tenant_id: string | null }>(
			`select a.action, a.target_id, a.tenant_id from public.audit_logs a
			 join public.profiles p on p.id = a.actor_id
			 where p.email = 'admin@tenantry.test' and a.action in ('job.retry', 'job.cancel')
			 order by a.id`
		);
		expect(audit.rows).toEqual([
			{ action: 'job.retry', target_id: ids.broken, tenant_id: ACME_ID },
			{ action: 'job.cancel', target_id: ids.timeout, tenant_id: null }
		]);
		expect(await status(ids.waiting)).toBe('pending');
	});

	it('is refused to support staff (super_admin only), and the sidebar does not offer it', async () => {
		const support = await signIn(browser, app.url, 'support@tenantry.test');
		const answer = await support.goto('/admin/jobs');
		expect(answer?.status()).toBe(403);
		await open(support, '/admin');
		expect(await support.getByRole('link', { name: 'Jobs', exact: true }).count()).toBe(0);
		await support.context().close();
	});
});
