/**
 * /api/v1/dashboards and /api/v1/saved-queries against the app as `npm start` runs it, through the
 * typed client, every response checked against the OpenAPI document (tests/support/api.ts): Acme's
 * owner creates a dashboard, adds a metric widget and a query widget, lays them out and deletes
 * one; saves a query with a typed parameter and runs it as JSON and CSV (a value of the wrong
 * type refused in a sentence, a write refused by the checker); Globex's owner sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { DB_ERROR_MESSAGES } from '../../src/lib/server/platform/errors';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const checker = new ResponseChecker();

describe('REST API v1: dashboards and saved queries', () => {
	let app: App;
	let acme: ApiClient;
	let globex: ApiClient;
	let cookie: string;

	beforeAll(async () => {
		app = await startApp();
		cookie = await signInCookies(app, 'owner@acme.test', PASSWORD);
		acme = checker.client(app.url, { cookie, 'tenantry-tenant': 'acme' });
		globex = checker.client(app.url, {
			cookie: await signInCookies(app, 'owner@globex.test', PASSWORD),
			'tenantry-tenant': 'globex'
		});
	}, 180_000);
	afterAll(async () => {
		await app?.stop();
	});

	it('creates, lays out and deletes a dashboard and its widgets', async () => {
		const made = await acme.POST('/api/v1/dashboards', {
			body: { name: 'Through the API', time_range: '7d' }
		});
		expect(made.response.status).toBe(201);
		expect(made.data).toMatchObject({ name: 'Through the API', time_range: '7d', widgets: [] });
		const id = made.data!.id;

		const calls = await acme.POST('/api/v1/dashboards/{dashboard}/widgets', {
			params: { path: { dashboard: id } },
			body: { title: 'Calls', kind: 'bar', metric: 'api_calls' }
		});
		expect(calls.response.status).toBe(201);
		const users = await acme.POST('/api/v1/dashboards/{dashboard}/widgets', {
			params: { path: { dashboard: id } },
			body: { title: 'People', kind: 'kpi', metric: 'active_users' }
		});
		const both = await acme.POST('/api/v1/dashboards/{dashboard}/widgets', {
			params: { path: { dashboard: id } },
			body: { title: 'Both', kind: 'kpi', metric: 'api_calls', saved_query_id: id }
		});
		expect(both.response.status).toBe(400);

		const laid = await acme.PATCH('/api/v1/dashboards/{dashboard}', {
			params: { path: { dashboard: id } },
			body: {
				refresh_seconds: 60,
				layout: [
					{ widget: calls.data!.id, x: 6, y: 0, w: 6, h: 3 },
					{ widget: users.data!.id, x: 0, y: 0, w: 6, h: 3 }
				]
			}
		});
		expect(laid.data).toMatchObject({ refresh_seconds: 60 });
		expect(laid.data!.layout.find((c) => c.widget === calls.data!.id)?.x).toBe(6);
		const badRefresh = await acme.PATCH('/api/v1/dashboards/{dashboard}', {
			params: { path: { dashboard: id } },
			body: { refresh_seconds: 7 }
		});
		expect(badRefresh.response.status).toBe(400);

		const listed = await acme.GET('/api/v1/dashboards', { params: { query: {} } });
		expect(listed.data!.data[0]!.is_default).toBe(true);
		expect(listed.data!.data.some((d) => d.id === id)).toBe(true);
		expect(
			(await globex.GET('/api/v1/dashboards/{dashboard}', { params: { path: { dashboard: id } } }))
				.response.status
		).toBe(404);

		const removed = await acme.DELETE('/api/v1/dashboards/{dashboard}/widgets/{widget}', {
			params: { path: { dashboard: id, widget: users.data!.id } }
		});
		expect(removed.response.status).toBe(204);
		const read = await acme.GET('/api/v1/dashboards/{dashboard}', {
			params: { path: { dashboard: id } }
		});
		expect(read.data!.widgets.map((w) => w.title)).toEqual(['Calls']);
		expect(read.data!.layout.map((c) => c.widget)).toEqual([calls.data!.id]);

		const gone = await acme.DELETE('/api/v1/dashboards/{dashboard}', {
			params: { path: { dashboard: id } }
		});
		expect(gone.response.status).toBe(204);
	});

	it('saves and runs a query with a typed parameter, as JSON and as CSV', async () => {
		const saved = await acme.POST('/api/v1/saved-queries', {
			body: {
				name: 'Calls above',
				sql: "select day, api_calls from usage_daily where api_calls >= analytics.param_integer('least') order by day",
				parameters: [{ name: 'least', type: 'integer' }]
			}
		});
		expect(saved.response.status).toBe(201);
		const id = saved.data!.id;

		const run = await acme.POST('/api/v1/saved-queries/{query}/run', {
			params: { path: { query: id }, query: {} },
			body: { values: { least: 0 }, time_range: '90d' }
		});
		expect(run.response.status).toBe(200);
		const result = run.data as unknown as { columns: string[]; rows: Record<string, unknown>[] };
		expect(result.columns).toEqual(['day', 'api_calls']);
		expect(result.rows.length).toBeGreaterThan(0);

		const csv = await fetch(`${app.url}/api/v1/saved-queries/${id}/run?format=csv`, {
			method: 'POST',
			headers: { cookie, 'tenantry-tenant': 'acme', 'content-type': 'application/json' },
			body: JSON.stringify({ values: { least: 0 } })
		});
		expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		const lines = (await csv.text()).trim().split('\r\n');
		expect(lines[0]).toBe('"day","api_calls"');
		expect(lines.length).toBe(result.rows.length + 1);

		const wrongType = await acme.POST('/api/v1/saved-queries/{query}/run', {
			params: { path: { query: id }, query: {} },
			body: { values: { least: 'many' } }
		});
		expect(wrongType.response.status).toBe(422);
		expect(wrongType.error).toMatchObject({ code: 'TN527' });

		const write = await acme.POST('/api/v1/saved-queries', {
			body: { name: 'Sneaky', sql: 'delete from usage_daily' }
		});
		expect(write.response.status).toBe(422);
		expect(write.error).toMatchObject({ code: 'TN524', title: DB_ERROR_MESSAGES.TN524!.message });

		expect(
			(await globex.GET('/api/v1/saved-queries/{query}', { params: { path: { query: id } } }))
				.response.status
		).toBe(404);
		const listed = await acme.GET('/api/v1/saved-queries', { params: { query: {} } });
		expect(listed.data!.data.some((q) => q.id === id)).toBe(true);
	});
});
