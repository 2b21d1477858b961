/**
 * /api/v1/webhooks and /api/v1/webhook-deliveries against the app as `npm start` runs it (with
 * WEBHOOK_ALLOW_LOOPBACK on, as tests and the demo run it), through the typed client generated
 * from the OpenAPI document, every response checked against the document (tests/support/api.ts):
 * an API key holding webhooks.manage does everything — create, list, read, change, turn off and
 * on, reveal a secret the standardwebhooks library signs and verifies with, rotate, test, page the
 * deliveries, read one with its attempts, replay, delete; a key without the permission and another
 * tenant's owner get nothing (another tenant's ids are a 404); bad input is refused in sentences.
 * No request leaves the machine: the only URLs are loopback ones and unroutable ranges the SSRF
 * guard refuses before anything is sent.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { API_ERROR_MESSAGES, DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
/** Acme's demo key (supabase/seeds/26_api_keys.sql): no webhooks.manage. */
const ACME_READER_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
const checker = new ResponseChecker();

interface ProblemBody {
	title: string;
	status: number;
	code: string;
	errors?: { field: string; message: string }[];
}

function expectProblem(error: unknown, status: number, code: string): ProblemBody {
	const problem = error as ProblemBody;
	expect(problem).toMatchObject({ status, code });
	const catalogue =
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message;
	expect(problem.title).toBe(catalogue);
	return problem;
}

describe('REST API v1: webhooks', () => {
	let app: App;
	let owner: ApiClient;
	let hooks: ApiClient;
	let reader: ApiClient;
	let globex: ApiClient;
	let endpointId: string;
	const receiver = 'http://127.0.0.1:9/webhooks';

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0', WEBHOOK_ALLOW_LOOPBACK: 'true' });
		owner = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		const key = await owner.POST('/api/v1/api-keys', {
			body: { name: 'Webhooks CI', mode: 'test', permissions: ['webhooks.manage'] }
		});
		expect(key.response.status).toBe(201);
		hooks = checker.client(app.url, { authorization: `Bearer ${key.data!.key}` });
		reader = checker.client(app.url, { authorization: `Bearer ${ACME_READER_KEY}` });
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
	}, 180_000);

	afterAll(async () => {
		await app?.stop();
	});

	it('creates an endpoint with a key holding webhooks.manage, and lists and reads it', async () => {
		const made = await hooks.POST('/api/v1/webhooks', {
			body: {
				url: receiver,
				description: 'CI receiver',
				event_types: ['project.created', 'member.added']
			}
		});
		expect(made.response.status).toBe(201);
		expect(made.data).toMatchObject({
			url: receiver,
			description: 'CI receiver',
			event_types: ['member.added', 'project.created'],
			enabled: true,
			rate_limit_per_second: null,
			disabled_reason: null,
			success_rate: null
		});
		endpointId = made.data!.id;
		const listed = await hooks.GET('/api/v1/webhooks');
		expect(listed.data!.data.map((e) => e.id)).toContain(endpointId);
		const read = await owner.GET('/api/v1/webhooks/{endpoint}', {
			params: { path: { endpoint: endpointId } }
		});
		expect(read.data?.url).toBe(receiver);
	});

	it('refuses bad URLs and settings in sentences, and writes nothing', async () => {
		const before = (await hooks.GET('/api/v1/webhooks')).data!.data.length;
		const documentationRange = await hooks.POST('/api/v1/webhooks', {
			body: { url: 'https://192.0.2.10/hook' }
		});
		const p1 = expectProblem(documentationRange.error, 400, 'TN220');
		expect(p1.errors![0]!.field).toBe('body.url');
		expect(p1.errors![0]!.message).toMatch(/192\.0\.2\.10/);
		const secondDocumentationRange = await hooks.POST('/api/v1/webhooks', {
			body: { url: 'http://198.51.100.7/latest/meta-data' }
		});
		expect(expectProblem(secondDocumentationRange.error, 400, 'TN220').errors![0]!.message).toMatch(
			/198\.51\.100\.7/
		);
		const credentials = await hooks.POST('/api/v1/webhooks', {
			body: { url: 'http://user:secret@127.0.0.1:9/hook' }
		});
		expect(expectProblem(credentials.error, 400, 'TN220').errors![0]!.message).toMatch(
			/user name and password/
		);
		const unknown = await hooks.POST('/api/v1/webhooks', {
			body: { url: receiver, event_types: ['no.such_type'] }
		});
		expectProblem(unknown.error, 422, 'TN262');
		const rate = await hooks.POST('/api/v1/webhooks', {
			body: { url: receiver, rate_limit_per_second: 5000 }
		});
		expectProblem(rate.error, 400, 'TN220');
		expect((await hooks.GET('/api/v1/webhooks')).data!.data.length).toBe(before);
	});

	it('changes an endpoint, turns it off (by hand) and on again', async () => {
		const path = { params: { path: { endpoint: endpointId } } };
		const changed = await hooks.PATCH('/api/v1/webhooks/{endpoint}', {
			...path,
			body: { description: 'Renamed', rate_limit_per_second: 5, event_types: [] }
		});
		expect(changed.data).toMatchObject({
			description: 'Renamed',
			rate_limit_per_second: 5,
			event_types: [],
			url: receiver
		});
		const off = await hooks.PATCH('/api/v1/webhooks/{endpoint}', {
			...path,
			body: { enabled: false }
		});
		expect(off.data).toMatchObject({ enabled: false, disabled_reason: 'manual' });
		expect(off.data!.disabled_at).not.toBeNull();
		const test = await hooks.POST('/api/v1/webhooks/{endpoint}/test', path);
		expectProblem(test.error, 409, 'TN269');
		const on = await hooks.PATCH('/api/v1/webhooks/{endpoint}', {
			...path,
			body: { enabled: true }
		});
		expect(on.data).toMatchObject({
			enabled: true,
			disabled_reason: null,
			disabled_at: null,
			failing_since: null
		});
		const badUrl = await hooks.PATCH('/api/v1/webhooks/{endpoint}', {
			...path,
			body: { url: 'https://203.0.113.9/x' }
		});
		expectProblem(badUrl.error, 400, 'TN220');
	});

	it('reveals a secret the Standard Webhooks library signs and verifies with, rotates it, and audits the reveal', async () => {
		const path = { params: { path: { endpoint: endpointId } } };
		const first = (await hooks.GET('/api/v1/webhooks/{endpoint}/secret', path)).data!.secret;
		expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		const wh = new Webhook(first);
		const payload = JSON.stringify({ type: 'webhook.test', data: {} });
		const timestamp = new Date();
		const headers = {
			'webhook-id': 'msg_test',
			'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
			'webhook-signature': wh.sign('msg_test', timestamp, payload)
		};
		expect(wh.verify(payload, headers)).toEqual(JSON.parse(payload));

		const rotated = await hooks.POST('/api/v1/webhooks/{endpoint}/rotate-secret', {
			...path,
			body: { overlap_seconds: 3600 }
		});
		expect(rotated.response.status).toBe(200);
		const expires = Date.parse(rotated.data!.previous_secret_expires_at);
		expect(Math.abs(expires - Date.now() - 3600_000)).toBeLessThan(60_000);
		const second = (await hooks.GET('/api/v1/webhooks/{endpoint}/secret', path)).data!.secret;
		expect(second).toMatch(/^whsec_/);
		expect(second).not.toBe(first);
		expect(
			() => new Webhook(second).verify(payload, headers),
			'the old signature is not the new secret’s'
		).toThrow();

		const badOverlap = await hooks.POST('/api/v1/webhooks/{endpoint}/rotate-secret', {
			...path,
			body: { overlap_seconds: 8 * 86400 }
		});
		expectProblem(badOverlap.error, 400, 'TN220');

		const audit = await owner.GET('/api/v1/audit-log', {
			params: { query: { action: 'webhook.secret_reveal', limit: 10 } }
		});
		const reveals = audit.data!.data.filter((e) => e.target_id === endpointId);
		expect(reveals.length).toBe(2);
		expect(reveals[0]).toMatchObject({ actor_type: 'api_key', target_type: 'webhook_endpoints' });
		expect(JSON.stringify(audit.data)).not.toContain(second.slice(6));
	});

	it('sends a test event as one pending delivery, pages the log, reads a delivery and replays it', async () => {
		const path = { params: { path: { endpoint: endpointId } } };
		const sent = [];
		for (let i = 0; i < 3; i++) {
			const test = await hooks.POST('/api/v1/webhooks/{endpoint}/test', path);
			expect(test.response.status).toBe(201);
			sent.push(test.data!);
		}
		expect(sent[0]).toMatchObject({
			endpoint_id: endpointId,
			event_type: 'webhook.test',
			status: 'pending',
			attempts: 0
		});
		expect(sent[0]!.webhook_id).toBe(`msg_${sent[0]!.event_id.replaceAll('-', '')}`);

		const page1 = await hooks.GET('/api/v1/webhooks/{endpoint}/deliveries', {
			params: { path: { endpoint: endpointId }, query: { limit: 2 } }
		});
		expect(page1.data!.data.map((d) => d.id)).toEqual([sent[2]!.id, sent[1]!.id]);
		expect(page1.data!.next_cursor).not.toBeNull();
		const page2 = await hooks.GET('/api/v1/webhooks/{endpoint}/deliveries', {
			params: {
				path: { endpoint: endpointId },
				query: { limit: 2, cursor: page1.data!.next_cursor! }
			}
		});
		expect(page2.data!.data.map((d) => d.id)).toEqual([sent[0]!.id]);
		expect(page2.data!.next_cursor).toBeNull();
		const badCursor = await hooks.GET('/api/v1/webhooks/{endpoint}/deliveries', {
			params: { path: { endpoint: endpointId }, query: { cursor: 'bm9wZQ' } }
		});
		expectProblem(badCursor.error, 400, 'TN220');

		const detail = await hooks.GET('/api/v1/webhook-deliveries/{delivery}', {
			params: { path: { delivery: sent[0]!.id } }
		});
		const body = JSON.parse(detail.data!.body) as {
			type: string;
			timestamp: string;
			data: Record<string, unknown>;
		};
		expect(body.type).toBe('webhook.test');
		expect(body.data).toMatchObject({
			id: sent[0]!.event_id,
			subject: { type: 'webhook_endpoint', id: endpointId },
			endpoint_id: endpointId
		});
		expect(detail.data!.attempts_made).toEqual([]);

		const replayed = await hooks.POST('/api/v1/webhook-deliveries/{delivery}/replay', {
			params: { path: { delivery: sent[0]!.id } }
		});
		expect(replayed.data).toMatchObject({
			id: sent[0]!.id,
			status: 'pending',
			webhook_id: sent[0]!.webhook_id
		});
	});

	it('shows a key without webhooks.manage nothing, and lets it change nothing', async () => {
		expect((await reader.GET('/api/v1/webhooks')).data!.data).toEqual([]);
		const path = { params: { path: { endpoint: endpointId } } };
		expectProblem((await reader.GET('/api/v1/webhooks/{endpoint}', path)).error, 404, 'TN230');
		expectProblem(
			(await reader.GET('/api/v1/webhooks/{endpoint}/secret', path)).error,
			404,
			'TN230'
		);
		const create = await reader.POST('/api/v1/webhooks', { body: { url: receiver } });
		expectProblem(create.error, 403, 'TN002');
	});

	it('answers another tenant’s ids with 404, whatever the operation', async () => {
		const path = { params: { path: { endpoint: endpointId } } };
		expectProblem((await globex.GET('/api/v1/webhooks/{endpoint}', path)).error, 404, 'TN230');
		expectProblem(
			(await globex.GET('/api/v1/webhooks/{endpoint}/secret', path)).error,
			404,
			'TN230'
		);
		expectProblem(
			(await globex.PATCH('/api/v1/webhooks/{endpoint}', { ...path, body: { enabled: false } }))
				.error,
			404,
			'TN230'
		);
		expectProblem(
			(await globex.POST('/api/v1/webhooks/{endpoint}/test', path)).error,
			404,
			'TN230'
		);
		expectProblem((await globex.DELETE('/api/v1/webhooks/{endpoint}', path)).error, 404, 'TN230');
		const deliveries = await hooks.GET('/api/v1/webhooks/{endpoint}/deliveries', path);
		const delivery = { params: { path: { delivery: deliveries.data!.data[0]!.id } } };
		expectProblem(
			(await globex.GET('/api/v1/webhook-deliveries/{delivery}', delivery)).error,
			404,
			'TN230'
		);
		expectProblem(
			(await globex.POST('/api/v1/webhook-deliveries/{delivery}/replay', delivery)).error,
			404,
			'TN230'
		);
		expect((await globex.GET('/api/v1/webhooks')).data!.data.map((e) => e.id)).not.toContain(
			endpointId
		);
	});

	it('deletes an endpoint with its deliveries', async () => {
		const path = { params: { path: { endpoint: endpointId } } };
		const deliveries = (await hooks.GET('/api/v1/webhooks/{endpoint}/deliveries', path)).data!.data;
		expect((await hooks.DELETE('/api/v1/webhooks/{endpoint}', path)).response.status).toBe(204);
		expectProblem((await hooks.GET('/api/v1/webhooks/{endpoint}', path)).error, 404, 'TN230');
		const gone = await hooks.GET('/api/v1/webhook-deliveries/{delivery}', {
			params: { path: { delivery: deliveries[0]!.id } }
		});
		expectProblem(gone.error, 404, 'TN230');
	});
});
