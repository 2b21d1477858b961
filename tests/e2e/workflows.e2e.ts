/**
 * The workflow pages in Chromium, on an app started as npm start runs it (its queue worker runs
 * the steps): the owner builds a workflow in the step-list editor — validation as you type, next
 * to the step it names, and the graph once it is valid — for project.created with a filter, turns
 * it on, creates a matching project on the projects page (the real change), watches the run's
 * timeline wait for an approval, approves it there, and sees the run end with the project's
 * description set by the workflow. The pages pass axe and fit a 390-px phone in light and dark
 * (screenshots in test-results/screenshots/workflows/).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../support/app';
import { launchBrowser, screenshot, signIn, submitSignIn } from './harness';

describe('workflow pages', () => {
	let app: App;
	let browser: Browser;
	let workflowPath = '';
	let runPath = '';

	beforeAll(async () => {
		app = await startApp({});
		browser = await launchBrowser();
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('builds a workflow in the editor, triggers it with a real change, and approves it on the timeline', async () => {
		const owner = await signIn(browser, app.url, 'owner@acme.test');
		await owner.goto('/t/acme', { waitUntil: 'networkidle' });
		await owner.getByRole('link', { name: 'Workflows' }).click();
		await owner.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
		await owner.getByRole('link', { name: 'Release sign-off' }).waitFor();
		await owner.getByRole('link', { name: 'New workflow' }).click();
		await owner.getByRole('heading', { name: 'New workflow', level: 1 }).waitFor();

		await owner.getByLabel('Name').fill('Approve new projects');
		await owner.getByLabel('Starts').selectOption('event');
		await owner.getByLabel('Event type').selectOption('project.created');
		await owner.getByLabel('Only when the payload has (field=value, …)').fill('name=Nebula');
		await owner.getByLabel('Only when the payload has (field=value, …)').blur();

		// The first step becomes an approval named ask.
		await owner.locator('#step-0-kind').selectOption('approval');
		await owner.locator('#step-0-id').fill('ask');
		await owner.locator('#step-0-permission').fill('projects.update');
		await owner.locator('#step-0-message').fill('Describe {{event.payload.name}}?');
		// A second step: each rule it breaks is said beside it as it is typed, and nothing saves.
		await owner.getByLabel('New step').selectOption('set_field');
		await owner.getByRole('button', { name: 'Add step' }).click();
		const second = owner.getByTestId('step-card').nth(1);
		await second.getByText('Step set_field_2: Give the record (an id or {{…}}).').waitFor();
		await second.getByLabel('Record id (or {{…}})').fill('{{event.subject.id}}');
		await second.getByLabel('Value').fill('Approved by a workflow');
		await second
			.getByText('Step set_field_2: no path leads here from the first step (ask).')
			.waitFor();
		expect(await owner.getByRole('button', { name: 'Create workflow' }).isDisabled()).toBe(true);
		await owner.locator('#step-0-approved').selectOption('set_field_2');
		await owner.getByTestId('definition-ok').waitFor();
		await owner.getByTestId('workflow-graph').waitFor();
		expect(await owner.getByTestId('step-error').count()).toBe(0);
		await screenshot(owner, 'workflows/editor');
		await owner.getByRole('button', { name: 'Create workflow' }).click();

		await owner.getByRole('heading', { name: 'Approve new projects', level: 1 }).waitFor();
		workflowPath = new URL(owner.url()).pathname;
		await owner.getByRole('button', { name: 'Turn on' }).click();
		await owner.getByText('The workflow is on: its trigger starts runs.').first().waitFor();

		// The real change: a project named Nebula.
		await owner.goto('/t/acme/projects', { waitUntil: 'networkidle' });
		await owner.getByLabel('Name').fill('Nebula');
		await owner.getByLabel('Address').fill('nebula');
		await owner.getByRole('button', { name: 'Create project' }).click();
		await owner.getByRole('heading', { name: 'Nebula', level: 1 }).waitFor();

		await owner.goto(workflowPath, { waitUntil: 'networkidle' });
		await owner.getByTestId('run-link').first().click();
		await owner.getByRole('heading', { name: 'Run of Approve new projects', level: 1 }).waitFor();
		runPath = new URL(owner.url()).pathname;
		// The page follows the run: the approval step waits for a decision this person may make.
		const approval = owner.getByTestId('approval-card');
		await approval.waitFor();
		expect(await approval.textContent()).toContain('Describe Nebula?');
		await screenshot(owner, 'workflows/run-waiting');
		await approval.getByLabel('Comment (optional)').fill('Go ahead');
		await approval.getByRole('button', { name: 'Approve' }).click();
		await owner.getByText('Approved: the run goes on.').first().waitFor();
		await owner
			.getByTestId('run-status')
			.filter({ hasText: 'succeeded' })
			.waitFor({ timeout: 30_000 });
		const steps = owner.getByTestId('timeline-step');
		expect(await steps.count()).toBe(2);
		expect(await steps.nth(0).textContent()).toContain('Approved by Ada Owner: “Go ahead”');
		expect(await steps.nth(1).textContent()).toContain('Approved by a workflow');
		await screenshot(owner, 'workflows/run-succeeded');

		await owner.goto('/t/acme/projects/nebula', { waitUntil: 'networkidle' });
		expect(await owner.getByLabel('Description').inputValue()).toBe('Approved by a workflow');
		await owner.context().close();
	});

	it('passes axe and fits a 390-px phone in light and dark', async () => {
		const problems: string[] = [];
		for (const view of [
			{ width: 1440, scheme: 'light' },
			{ width: 390, scheme: 'dark' },
			{ width: 390, scheme: 'light' }
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
			for (const [name, path] of [
				['list', '/t/acme/workflows'],
				['workflow', workflowPath],
				['run', runPath]
			] as const) {
				await page.goto(path, { waitUntil: 'networkidle' });
				const where = `${path} at ${view.width} px, ${view.scheme}`;
				await screenshot(page, `workflows/${name}-${view.width}-${view.scheme}`);
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
