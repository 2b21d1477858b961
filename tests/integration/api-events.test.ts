/**
 * GET /api/v1/events, /events/{event} and /event-types against the app as `npm start` runs it,
 * through the typed client, every response checked against the OpenAPI document: an action made
 * through the API is an event (same subject, the caller as actor), the type filter (repeated or a
 * comma list), since/until, cursor paging, another tenant's event a 404, a member or key without
 * audit.read or webhooks.manage reading none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { EVENT_TYPES } from '../../src/lib/server/events/catalogue';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const ACME_KEY = 'tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1';
const checker = new ResponseChecker();

describe('REST API v1: events', () => {
	let app: App;
	let owner: ApiClient;
	let viewer: ApiClient;
	let globex: ApiClient;
	let key: ApiClient;

	beforeAll(async () => {
		app = await startApp({ API_METER_FLUSH_MS: '0' });
		const session = async (email: string, tenant: string) =>
			checker.client(app.url, {
				cookie: await signInCookies(app, email, PASSWORD),
				'tenantry-tenant': tenant
			});
		owner = await session('owner@acme.test', 'acme');
		viewer = await session('viewer@acme.test', 'acme');
		globex = await session('owner@globex.test', 'globex');
		key = checker.client(app.url, { authorization: `Bearer ${ACME_KEY}` });
	});

	afterAll(async () => {
		await app?.stop();
	});

	it('shows a team created through the API as a team.created event, with the caller as actor', async () => {
		const created = await owner.POST('/api/v1/teams', {
			body: { name: 'Events API', description: 'From the API test' }
		});
		expect(created.response.status).toBe(201);
		const teamId = created.data!.id;
		const { data, response } = await owner.GET('/api/v1/events', {
			params: { query: { type: 'team.created', limit: 100 } }
		});
		expect(response.status).toBe(200);
		const event = data!.data.find((e) => e.subject.id === teamId);
		expect(event).toMatchObject({
			type: 'team.created',
			version: 1,
			subject: { type: 'team', id: teamId },
			payload: { name: 'Events API', description: 'From the API test' },
			actor_type: 'user',
			actor_email: 'owner@acme.test'
		});
		const one = await owner.GET('/api/v1/events/{event}', {
			params: { path: { event: event!.id } }
		});
		expect(one.data).toEqual(event);
	});

	it('filters by type, repeated or as a comma list, and by time', async () => {
		const types = ['team.created', 'member.added'];
		const repeated = await owner.GET('/api/v1/events', {
			params: { query: { type: types, limit: 100 } }
		});
		const comma = await owner.GET('/api/v1/events', {
			params: { query: { type: types.join(','), limit: 100 } }
		});
		expect(new Set(repeated.data!.data.map((e) => e.type))).toEqual(new Set(types));
		expect(comma.data!.data).toEqual(repeated.data!.data);

		const future = await owner.GET('/api/v1/events', {
			params: { query: { since: '2999-01-01T00:00:00Z' } }
		});
		expect(future.data!.data).toEqual([]);
		const past = await owner.GET('/api/v1/events', {
			params: { query: { until: '2000-01-01T00:00:00Z' } }
		});
		expect(past.data!.data).toEqual([]);

		const bad = await owner.GET('/api/v1/events', {
			params: { query: { type: 'team.created,no.such' } }
		});
		expect(bad.response.status).toBe(400);
		expect(bad.error).toMatchObject({ code: 'TN220' });
		expect(JSON.stringify(bad.error)).toContain('GET /api/v1/event-types');
	});

	it('pages newest first with the cursor, without repeating an event', async () => {
		const first = await owner.GET('/api/v1/events', { params: { query: { limit: 3 } } });
		expect(first.data!.data).toHaveLength(3);
		expect(first.data!.next_cursor).toEqual(expect.any(String));
		const second = await owner.GET('/api/v1/events', {
			params: { query: { limit: 3, cursor: first.data!.next_cursor! } }
		});
		const times = [...first.data!.data, ...second.data!.data].map((e) => e.occurred_at);
		expect([...times].sort().reverse()).toEqual(times);
		const ids = new Set([...first.data!.data, ...second.data!.data].map((e) => e.id));
		expect(ids.size).toBe(first.data!.data.length + second.data!.data.length);
		const bad = await owner.GET('/api/v1/events', { params: { query: { cursor: 'nope' } } });
		expect(bad.response.status).toBe(400);
	});

	it('answers another tenant’s event with 404, and nothing to those without the permission', async () => {
		const { data } = await owner.GET('/api/v1/events', { params: { query: { limit: 1 } } });
		const id = data!.data[0]!.id;
		const other = await globex.GET('/api/v1/events/{event}', { params: { path: { event: id } } });
		expect(other.response.status).toBe(404);
		expect(other.error).toMatchObject({ code: 'TN230' });

		const none = await viewer.GET('/api/v1/events');
		expect(none.response.status).toBe(200);
		expect(none.data!.data).toEqual([]);
		const hidden = await viewer.GET('/api/v1/events/{event}', { params: { path: { event: id } } });
		expect(hidden.response.status).toBe(404);
	});

	it('lets an API key holding audit.read read them', async () => {
		const { data, response } = await key.GET('/api/v1/events', { params: { query: { limit: 5 } } });
		expect(response.status).toBe(200);
		expect(data!.data.length).toBeGreaterThan(0);
	});

	it('lists the catalogue to any member', async () => {
		const { data } = await viewer.GET('/api/v1/event-types');
		expect(data!.data.map((t) => t.type)).toEqual(EVENT_TYPES);
	});
});
