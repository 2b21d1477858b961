/**
 * /api/v1/ai against the app as `npm start` runs it, through the typed client generated from the
 * OpenAPI document (every response checked against it, tests/support/api.ts), with OpenAI
 * answered by the local fake: the owner lists the models (which Acme may call), reads the spend
 * and the seeded runs, creates a template and a second version, runs it (the run priced from the
 * model's prices and listed), has bad variables refused per field and a provider failure answered
 * 502; a viewer (no ai.use) and another tenant's owner get nothing of Acme's. With an API key,
 * the knowledge base: a Markdown file uploaded (multipart), indexed by the app's queue worker,
 * listed, searched, asked about (the answer through the rag.ask template, the passages fenced in
 * what the fake received, its citation the document, the run listed with its cost), deleted; a
 * key without ai.use is refused the ask (TN563), and another tenant never sees the document.
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

	it('uploads, indexes, lists, searches, asks about and deletes a document with an API key', async () => {
		const ownerCookie = await signInCookies(app, 'owner@acme.test', PASSWORD);
		const session = checker.client(app.url, { cookie: ownerCookie, 'tenantry-tenant': 'acme' });
		const keyFor = async (permissions: string[]) => {
			const key = await session.POST('/api/v1/api-keys', {
				body: { name: permissions.join(' '), mode: 'test', permissions }
			});
			expect(key.response.status).toBe(201);
			return checker.client(app.url, { authorization: `Bearer ${key.data!.key}` });
		};
		const key = await keyFor(['ai.use', 'documents.manage']);
		const manageOnly = await keyFor(['documents.manage']);

		const markdown =
			'# Returns\n\n## Zeppelin courier\n\nRefunds sent by zeppelin courier reach the card within nineteen days.\n';
		const uploaded = await key.POST('/api/v1/documents/upload', {
			body: { file: 'returns.md' },
			bodySerializer: () => {
				const form = new FormData();
				form.set('file', new File([markdown], 'returns.md', { type: 'text/markdown' }));
				form.set('title', 'Returns handbook');
				return form;
			}
		});
		expect(uploaded.response.status).toBe(201);
		expect(uploaded.data).toMatchObject({
			title: 'Returns handbook',
			source: 'upload',
			status: 'queued'
		});
		const id = uploaded.data!.id;
		await expect
			.poll(
				async () =>
					(await key.GET('/api/v1/documents/{document}', { params: { path: { document: id } } }))
						.data?.status,
				{ timeout: 30_000, interval: 250 }
			)
			.toBe('ready');
		const listed = await key.GET('/api/v1/documents');
		expect(listed.data!.data.find((d) => d.id === id)).toMatchObject({ chunk_count: 1 });

		const found = await key.POST('/api/v1/documents/search', {
			body: { query: 'zeppelin courier refunds', k: 5 }
		});
		expect(found.data!.data[0]).toMatchObject({
			document_id: id,
			heading: 'Returns › Zeppelin courier'
		});

		openai.requests.length = 0;
		const reply = openai.reply;
		openai.reply = () => 'Zeppelin courier refunds take nineteen days [1].';
		const asked = await key.POST('/api/v1/documents/ask', {
			body: { question: 'How long do zeppelin courier refunds take?' }
		});
		expect(asked.response.status).toBe(200);
		expect(asked.data).toMatchObject({
			answer: 'Zeppelin courier refunds take nineteen days [1].',
			mode: 'model',
			citations: [
				{
					n: 1,
					document_id: id,
					seq: 0,
					label: 'Returns handbook (Returns › Zeppelin courier, part 1)'
				}
			]
		});
		openai.reply = reply;
		const sent = openai.requests.find((r) => r.path === '/v1/chat/completions')!;
		const user = (sent.body.messages as { role: string; content: string }[])[1]!.content;
		expect(user).toMatch(
			/<data name="sources" boundary="([0-9a-f]{32})">\n\[1\] Returns handbook[^]*nineteen days\.[^]*<\/data boundary="\1">/
		);
		const runs = await session.GET('/api/v1/ai/runs', {
			params: { query: { template: 'rag.ask' } }
		});
		expect(runs.data!.data[0]).toMatchObject({
			id: asked.data!.run_id,
			template: 'rag.ask',
			template_version: 1,
			cost_usd: asked.data!.cost_usd
		});

		const refused = await manageOnly.POST('/api/v1/documents/ask', {
			body: { question: 'How long do refunds take?' }
		});
		expect(refused.response.status).toBe(403);
		expect((refused.error as { code: string }).code).toBe('TN563');
		const theirs = await globex.GET('/api/v1/documents/{document}', {
			params: { path: { document: id } }
		});
		expect(theirs.response.status).toBe(404);
		const theirSearch = await globex.POST('/api/v1/documents/search', {
			body: { query: 'zeppelin courier refunds' }
		});
		expect(theirSearch.data!.data.every((h) => h.document_id !== id)).toBe(true);

		const deleted = await key.DELETE('/api/v1/documents/{document}', {
			params: { path: { document: id } }
		});
		expect(deleted.response.status).toBe(204);
		const gone = await key.GET('/api/v1/documents/{document}', {
			params: { path: { document: id } }
		});
		expect(gone.response.status).toBe(404);
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
