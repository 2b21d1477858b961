/**
 * /api/v1/integrations against the app as `npm start` runs it, through the typed client generated
 * from the OpenAPI document, every response checked against the document (tests/support/api.ts):
 * an API key holding integrations.manage connects an inbound webhook (its signing secret made and
 * returned once), lists, reads, renames and tests it, sees a signed event sent to its inbound URL
 * processed, replays it and deletes the integration; a key without integrations.read and another
 * tenant's owner see nothing (an empty list, a 404); bad settings are refused in sentences, per field. Nothing leaves the
 * machine.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
/** Acme's demo key (supabase/seeds/26_api_keys.sql): no integrations.read. */
const ACME_READER_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
const checker = new ResponseChecker();

describe('REST API v1: integrations', () => {
	let app: App;
	let key: ApiClient;
	let reader: ApiClient;
	let globex: ApiClient;
	let id = '';
	let secret = '';
	let inbound = '';

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0', QUEUE_POLL_MS: '200' });
		const owner = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		const made = await owner.POST('/api/v1/api-keys', {
			body: {
				name: 'Integrations CI',
				mode: 'test',
				permissions: ['integrations.read', 'integrations.manage']
			}
		});
		expect(made.response.status).toBe(201);
		key = checker.client(app.url, { authorization: `Bearer ${made.data!.key}` });
		reader = checker.client(app.url, { authorization: `Bearer ${ACME_READER_KEY}` });
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
	}, 180_000);

	afterAll(async () => {
		await app?.stop();
	});

	it('connects an inbound webhook, its secret made and returned once, and tests it', async () => {
		const made = await key.POST('/api/v1/integrations', {
			body: { type: 'generic_webhook', name: 'Orders feed' }
		});
		expect(made.response.status).toBe(201);
		expect(made.data!.ok).toBe(true);
		expect(made.data!.integration).toMatchObject({
			name: 'Orders feed',
			type: 'generic_webhook',
			status: 'connected',
			secrets: ['signing_secret']
		});
		secret = made.data!.generated_secrets.signing_secret!;
		expect(secret).toMatch(/^whsec_/);
		id = made.data!.integration.id;
		inbound = made.data!.integration.inbound_url!;
		expect(inbound).toBe(`${app.url}/api/inbound/integrations/${id}`);

		const read = await key.GET('/api/v1/integrations/{integration}', {
			params: { path: { integration: id } }
		});
		expect(JSON.stringify(read.data)).not.toContain(secret);
		const listed = await key.GET('/api/v1/integrations', {});
		expect(listed.data!.data.map((i) => i.name)).toContain('Orders feed');
		const renamed = await key.PATCH('/api/v1/integrations/{integration}', {
			params: { path: { integration: id } },
			body: { name: 'Orders' }
		});
		expect(renamed.data!.name).toBe('Orders');
		const tested = await key.POST('/api/v1/integrations/{integration}/test', {
			params: { path: { integration: id } }
		});
		expect(tested.data!.checks).toEqual([
			{
				name: 'Signing secret',
				ok: true,
				detail:
					'Nothing to call: events sent to the inbound URL are verified with the signing secret.'
			}
		]);
	});

	it('refuses bad settings per field, and who may not', async () => {
		const bad = await key.POST('/api/v1/integrations', {
			body: {
				type: 'odoo',
				name: 'ERP',
				config: { base_url: 'not a url', database: 'd', username: 'u' },
				secrets: {}
			}
		});
		expect(bad.response.status).toBe(400);
		expect(
			(bad.error as { errors: { field: string }[] }).errors.map((e) => e.field).sort()
		).toEqual(['body.config.base_url', 'body.secrets.api_key']);
		// A list is what RLS lets the key see: nothing without integrations.read.
		const denied = await reader.GET('/api/v1/integrations', {});
		expect(denied.data!.data).toEqual([]);
		const hidden = await reader.GET('/api/v1/integrations/{integration}', {
			params: { path: { integration: id } }
		});
		expect(hidden.response.status).toBe(404);
		const other = await globex.GET('/api/v1/integrations/{integration}', {
			params: { path: { integration: id } }
		});
		expect(other.response.status).toBe(404);
	});

	it('lists a signed inbound event once processed, replays it, and deletes the integration', async () => {
		const body = JSON.stringify({ type: 'order.paid', data: { id: 42 } });
		const at = new Date();
		const sent = await fetch(inbound, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'webhook-id': 'msg_api_1',
				'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
				'webhook-signature': new Webhook(secret).sign('msg_api_1', at, body)
			},
			body
		});
		expect(sent.status).toBe(202);
		const deadline = Date.now() + 20_000;
		let events = await key.GET('/api/v1/integrations/{integration}/events', {
			params: { path: { integration: id } }
		});
		while (events.data!.data[0]?.status !== 'processed') {
			if (Date.now() > deadline) throw new Error('the inbound event was not processed in time');
			await new Promise((done) => setTimeout(done, 200));
			events = await key.GET('/api/v1/integrations/{integration}/events', {
				params: { path: { integration: id } }
			});
		}
		expect(events.data!.data).toHaveLength(1);
		expect(events.data!.data[0]).toMatchObject({
			delivery_id: 'msg_api_1',
			provider_event: 'order.paid',
			summary: 'order.paid received.'
		});
		const replayed = await key.POST('/api/v1/integrations/{integration}/events/{event}/replay', {
			params: { path: { integration: id, event: events.data!.data[0]!.id } }
		});
		expect(replayed.data).toMatchObject({ status: 'queued', replays: 1 });
		const again = await key.POST('/api/v1/integrations/{integration}/events/{event}/replay', {
			params: { path: { integration: id, event: events.data!.data[0]!.id } }
		});
		expect([200, 409]).toContain(again.response.status);

		const deleted = await key.DELETE('/api/v1/integrations/{integration}', {
			params: { path: { integration: id } }
		});
		expect(deleted.response.status).toBe(204);
		const gone = await key.GET('/api/v1/integrations/{integration}', {
			params: { path: { integration: id } }
		});
		expect(gone.response.status).toBe(404);
	});
});
