/**
 * Issue 17 §6, observability: a request's id reaches SQL (`tenantry.request_id`, and on Postgres
 * `application_name`, which another session sees in pg_stat_activity while the transaction runs);
 * and on the running app: the id comes back in `x-request-id` (a stranger's own id is replaced, a
 * trusted proxy's kept), one JSON log line per request names it without cookies, and /metrics is
 * 404 without METRICS_TOKEN, 401 without the token, and parses strictly with it.
 */
import { request } from 'node:http';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inRequest, runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import { startApp, type App } from '../support/app';
import { parsePrometheus } from '../support/prometheus';
import { seeded } from '../support/database';
import { engineFactories, serverFactory, serverUrl, type TestEngine } from './engines';

const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', email: 'owner@acme.test' };
const REQUEST_ID = 'obs-test-0001-request';

describe.each(engineFactories)('the request id in SQL on %s', (_name, factory) => {
	let t: TestEngine;
	beforeAll(async () => {
		t = await seeded(factory);
	}, 180_000);
	afterAll(() => t?.dispose());

	it("is the person's transaction's tenantry.request_id and application_name", async () => {
		const row = await inRequest({ requestId: REQUEST_ID }, () =>
			runWithClaims(
				t.engine.db,
				OWNER,
				async (trx) =>
					(
						await sql<{
							id: string;
							app: string;
						}>`select current_setting('tenantry.request_id') as id,
						current_setting('application_name') as app`.execute(trx)
					).rows[0]
			)
		);
		expect(row).toEqual({ id: REQUEST_ID, app: `tenantry ${REQUEST_ID}` });
	});

	it("is a system job's too when the job runs for a request, and no one's outside one", async () => {
		const read = () =>
			runAsServiceRole(
				t.engine.db,
				'api.meter',
				async (trx) =>
					(
						await sql<{
							id: string;
						}>`select current_setting('tenantry.request_id', true) as id`.execute(trx)
					).rows[0]!.id
			);
		expect(await inRequest({ requestId: REQUEST_ID }, read)).toBe(REQUEST_ID);
		expect(await read()).toBe('');
	});
});

// The embedded engine has one session, so no other session can watch it: proven on Postgres 15
// (CI sets TEST_DATABASE_URL).
describe('the request id on Postgres 15', () => {
	it('shows in pg_stat_activity to another session while the transaction runs', async () => {
		if (!serverUrl)
			throw new Error(
				'TEST_DATABASE_URL is not set: this test needs Postgres 15 (bash scripts/postgres15.sh)'
			);
		const t = await seeded(() => serverFactory());
		const watcher = new pg.Client(t.url);
		await watcher.connect();
		try {
			const seen = await inRequest({ requestId: REQUEST_ID }, () =>
				runWithClaims(t.engine.db, OWNER, async (trx) => {
					const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
					const other = await watcher.query<{ application_name: string }>(
						'select application_name from pg_stat_activity where pid = $1',
						[rows[0]!.pid]
					);
					return other.rows[0]?.application_name;
				})
			);
			expect(seen).toBe(`tenantry ${REQUEST_ID}`);
		} finally {
			await watcher.end();
			await t.dispose();
		}
	}, 180_000);
});

function get(
	app: App,
	path: string,
	headers: Record<string, string>,
	from = '127.0.0.1'
): Promise<{
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}> {
	const url = new URL(path, app.url.replace('localhost', '127.0.0.1'));
	return new Promise((resolve, reject) => {
		const req = request(url, { localAddress: from, headers }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (body += chunk));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
		});
		req.on('error', reject);
		req.end();
	});
}

const TOKEN = 'metrics-token-0123456789abcdef';

describe('request ids, log lines and /metrics on the running app', () => {
	let app: App;
	let bare: App;
	beforeAll(async () => {
		[app, bare] = await Promise.all([
			startApp({ TRUSTED_PROXIES: '127.0.0.2', METRICS_TOKEN: TOKEN, REQUEST_LOG: 'on' }),
			startApp({})
		]);
	}, 240_000);
	afterAll(() => Promise.all([app?.stop(), bare?.stop()]));

	it("returns a new id to a stranger who sent one, and keeps a trusted proxy's", async () => {
		const stranger = await get(app, '/api/health', { 'x-request-id': 'forged-by-client-1' });
		expect(stranger.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
		const proxied = await get(
			app,
			'/api/health',
			{ 'x-request-id': 'from-the-proxy-1' },
			'127.0.0.2'
		);
		expect(proxied.headers['x-request-id']).toBe('from-the-proxy-1');
	});

	it('writes one JSON line per request, with the id and without the cookie', async () => {
		const cookie = 'sb-access-token=secret-cookie-value-123';
		const response = await get(app, '/auth/sign-in?token=secret-query-value', { cookie });
		const id = response.headers['x-request-id'] as string;
		await expect.poll(() => app.output().includes(id), { timeout: 5_000 }).toBe(true);
		const lines = app
			.output()
			.split('\n')
			.filter((line) => line.includes(`"request_id":"${id}"`));
		expect(lines, 'exactly one log line names the request').toHaveLength(1);
		const entry = JSON.parse(lines[0]!);
		expect(entry).toMatchObject({
			msg: 'request',
			method: 'GET',
			route: '/auth/sign-in',
			status: 200
		});
		expect(typeof entry.duration_ms).toBe('number');
		expect(app.output()).not.toContain('secret-cookie-value-123');
		expect(app.output()).not.toContain('secret-query-value');
	});

	it('serves /metrics only with the bearer token', async () => {
		expect((await get(bare, '/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
		expect((await get(app, '/metrics', {})).status).toBe(401);
		expect(
			(await get(app, '/metrics', { authorization: 'Bearer wrong-token-0123456789ab' })).status
		).toBe(401);
		const scraped = await get(app, '/metrics', { authorization: `Bearer ${TOKEN}` });
		expect(scraped.status).toBe(200);
		expect(scraped.headers['content-type']).toContain('version=0.0.4');
		const families = parsePrometheus(scraped.body);
		const requests = families.get('tenantry_http_requests_total')!.samples;
		expect(requests).toContainEqual(
			expect.objectContaining({
				labels: { method: 'GET', route: '/api/health', status: '200' },
				value: expect.any(Number)
			})
		);
		const queues = families.get('tenantry_jobs_pending')!.samples.map((s) => s.labels.queue);
		expect(queues.length, 'every registered job queue is listed').toBeGreaterThan(0);
		for (const family of [
			'tenantry_mail_backlog',
			'tenantry_webhook_backlog',
			'tenantry_db_pool_connections'
		])
			expect(families.get(family), family).toBeDefined();
		const pool = families.get('tenantry_db_pool_connections')!.samples;
		expect(pool.find((s) => s.labels.state === 'max')!.value).toBe(1);
	});
});
