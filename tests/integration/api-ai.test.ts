/**
 * /api/v1/ai against the app as `npm start` runs it, through the typed client generated from the
 * OpenAPI document (every response checked against it, tests/support/api.ts), with OpenAI
 * answered by the local fake: the owner lists the models (which Acme may call), reads the spend
 * and the seeded runs, creates a template and a second version, runs it (the run priced from the
 * model's prices and listed), has bad variables refused per field and a provider failure answered
 * 502; a viewer (no ai.use) and another tenant's owner get nothing of Acme's.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';
import { startOpenAiFake, type OpenAiFake } from '../support/fakes/openai';

const PASSWORD = 'password123!';
const checker = new ResponseChecker();

describe('REST API v1: AI', () => {
	let app: App;
	let openai: OpenAiFake;
	let owner: ApiClient;
	let viewer: ApiClient;
	let globex: ApiClient;

	beforeAll(async () => {
		openai = await startOpenAiFake();
		openai.reply = () => 'Login loops on Safari.';
		app = await startApp({
			AI_OPENAI_API_KEY: 'sk-fake-openai',
			AI_RETRY_BASE_MS: '5',
			AI_MAX_RETRIES: '1'
		});
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			await db.query(`update public.model_providers set base_url = $1 where key = 'openai'`, [
				`${openai.url}/v1`
			]);
		} finally {
			await db.end();
		}
		owner = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		viewer = checker.client(app.url, {
			cookie: await signInCookies(app, 'viewer@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
	}, 180_000);
	afterAll(async () => {
		await app?.stop();
		await openai?.close();
	});

	it('lists models, spend and runs, creates, versions and runs a template, priced from the model', async () => {
		const models = await owner.GET('/api/v1/ai/models');
		const mini = models.data!.items.find((m) => m.key === 'gpt-4o-mini')!;
		expect(mini).toMatchObject({
			provider: 'openai',
			kind: 'chat',
			usable: true,
			input_usd_per_mtok: '0.150000'
		});
		expect(models.data!.items.find((m) => m.key === 'deepseek-chat')!.usable).toBe(false);
		const spend = await owner.GET('/api/v1/ai/spend');
		expect(spend.data!.budget_usd).toBe('25.00');
		const seeded = await owner.GET('/api/v1/ai/runs', {
			params: { query: { status: 'failed', limit: 50 } }
		});
		expect(seeded.data!.data.length).toBeGreaterThan(0);
		expect(seeded.data!.data.every((r) => r.status === 'failed')).toBe(true);

		const created = await owner.POST('/api/v1/ai/templates', {
			body: {
				key: 'api.triage',
				name: 'Triage',
				instructions: 'Say which team owns the issue.',
				body: 'Issue: {{issue}}',
				variables: [{ name: 'issue', type: 'string', max_length: 500 }],
				model_id: mini.id,
				max_tokens: 50
			}
		});
		expect(created.response.status).toBe(201);
		expect(created.data!.latest_version).toBe(1);
		const placeholder = await owner.POST('/api/v1/ai/templates/{key}/versions', {
			params: { path: { key: 'api.triage' } },
			body: {
				instructions: 'Owner of {{issue}}?',
				body: '{{issue}}',
				variables: [{ name: 'issue', type: 'string' }]
			}
		});
		expect(placeholder.response.status).toBe(422);
		expect((placeholder.error as { code: string }).code).toBe('TN557');
		const v2 = await owner.POST('/api/v1/ai/templates/{key}/versions', {
			params: { path: { key: 'api.triage' } },
			body: {
				instructions: 'Say which team owns the issue, in one word.',
				body: 'Issue: {{issue}}',
				variables: [{ name: 'issue', type: 'string', max_length: 500 }],
				model_id: mini.id,
				max_tokens: 50
			}
		});
		expect(v2.data).toEqual({ key: 'api.triage', version: 2 });

		const run = await owner.POST('/api/v1/ai/templates/{key}/run', {
			params: { path: { key: 'api.triage' } },
			body: { variables: { issue: 'The login page loops' } }
		});
		expect(run.response.status).toBe(200);
		expect(run.data).toMatchObject({
			version: 2,
			text: 'Login loops on Safari.',
			output_tokens: 5,
			finish_reason: 'stop'
		});
		const { input_tokens, output_tokens, cost_usd } = run.data!;
		// 0.15 and 0.60 USD per million tokens, in units of 1e-10 USD: tokens × 1500 and × 6000.
		const units = BigInt(input_tokens) * 1500n + BigInt(output_tokens) * 6000n;
		expect(cost_usd).toBe(`0.${units.toString().padStart(10, '0')}`);
		const listed = await owner.GET('/api/v1/ai/runs', {
			params: { query: { template: 'api.triage' } }
		});
		expect(listed.data!.data[0]).toMatchObject({
			id: run.data!.run_id,
			template: 'api.triage',
			template_version: 2,
			cost_usd
		});

		const bad = await owner.POST('/api/v1/ai/templates/{key}/run', {
			params: { path: { key: 'api.triage' } },
			body: { variables: { issue: 'x'.repeat(501) } }
		});
		expect(bad.response.status).toBe(400);
		expect((bad.error as { errors: { field: string; message: string }[] }).errors).toEqual([
			{ field: 'body.variables.issue', message: 'issue is at most 500 characters.' }
		]);

		openai.fail = { next: 5, status: 500 };
		const failed = await owner.POST('/api/v1/ai/templates/{key}/run', {
			params: { path: { key: 'api.triage' } },
			body: { variables: { issue: 'again' } }
		});
		openai.fail = { next: 0, status: 500 };
		expect(failed.response.status).toBe(502);
		expect((failed.error as { code: string; detail: string }).code).toBe('TN562');
		expect((failed.error as { detail: string }).detail).toMatch(/answered 500/);
	});

	it('gives a viewer and another tenant nothing of Acme’s AI', async () => {
		const spend = await viewer.GET('/api/v1/ai/spend');
		expect(spend.response.status).toBe(403);
		const runs = await viewer.GET('/api/v1/ai/runs');
		expect(runs.data!.data).toEqual([]);
		const run = await viewer.POST('/api/v1/ai/templates/{key}/run', {
			params: { path: { key: 'support.summarise' } },
			body: { variables: { ticket: 'x', priority: 'low' } }
		});
		expect(run.response.status).toBe(404);
		const theirs = await globex.GET('/api/v1/ai/runs');
		expect(theirs.data!.data).toEqual([]);
		const templates = await globex.GET('/api/v1/ai/templates');
		expect(templates.data!.items).toEqual([]);
	});
});
