/**
 * The REST API's limits against the production server: a person's rate limit (RateLimit headers,
 * then 429 TN228 with Retry-After), and the api_calls meter — calls counted in memory and written
 * in batches (one usage event per tenant per flush, not per call), the plan's hard limit then
 * refused (429 TN229) without the counter ever passing it, and what is still counted written when
 * the server shuts down. Every response is checked against the OpenAPI document.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';

const PASSWORD = 'password123!';
const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
const RATE = 8;
const FLUSH_MS = 1500;
const checker = new ResponseChecker();

describe('REST API v1 limits', () => {
	let app: App;
	let dataDir: string;

	async function sql<T extends pg.QueryResultRow>(
		text: string,
		values: unknown[] = []
	): Promise<T[]> {
		const db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
		try {
			return (await db.query<T>(text, values)).rows;
		} finally {
			await db.end();
		}
	}

	const counter = async (tenant: string) =>
		Number(
			(
				await sql<{ q: string | null }>(
					`select (select quantity from public.usage_counters where tenant_id = $1 and metric = 'api_calls'
					   and period_start = date_trunc('month', now() at time zone 'UTC')::date) as q`,
					[tenant]
				)
			)[0]!.q ?? 0
		);

	const start = () =>
		startApp({
			DATA_DIR: dataDir,
			API_PERSON_RATE_LIMIT: String(RATE),
			API_METER_FLUSH_MS: String(FLUSH_MS)
		});

	async function until(check: () => Promise<boolean>, what: string): Promise<void> {
		const deadline = Date.now() + 10_000;
		while (!(await check())) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'tenantry-api-limits-'));
		app = await start();
	});

	afterAll(async () => {
		await app?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it(`lets a person make ${RATE} requests a minute, then answers 429 with Retry-After (TN228)`, async () => {
		const client = checker.client(app.url, {
			cookie: await signInCookies(app, 'admin@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		const remaining: string[] = [];
		for (let i = 0; i < RATE; i++) {
			const { response } = await client.GET('/api/v1/roles');
			expect(response.status).toBe(200);
			expect(response.headers.get('ratelimit-policy')).toBe(`"person";q=${RATE};w=60`);
			remaining.push(response.headers.get('ratelimit')!.split(';')[1]!);
		}
		expect(remaining).toEqual(Array.from({ length: RATE }, (_, i) => `r=${RATE - 1 - i}`));
		const { error, response } = await client.GET('/api/v1/roles');
		expect(response.status).toBe(429);
		expect(error).toMatchObject({ code: 'TN228', status: 429 });
		expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(response.headers.get('ratelimit')).toMatch(/^"person";r=0;t=\d+$/);
	});

	it('counts API calls into api_calls in batches, and then refuses the calls past the plan’s hard limit (TN229)', async () => {
		const people = await Promise.all(
			['owner', 'admin', 'billing', 'member'].map(async (who) =>
				checker.client(app.url, {
					cookie: await signInCookies(app, `${who}@globex.test`, PASSWORD),
					'tenantry-tenant': 'globex'
				})
			)
		);
		const before = await counter(GLOBEX);
		const eventsBefore = (
			await sql<{ n: number }>(
				`select count(*)::int as n from public.usage_events where tenant_id = $1 and metric = 'api_calls'`,
				[GLOBEX]
			)
		)[0]!.n;
		await sql(
			`update public.plan_limits set soft_limit = null, hard_limit = $2
			 where metric = 'api_calls' and plan_id = private.tenant_plan_id($1)`,
			[GLOBEX, before + 8]
		);

		const calls = await Promise.all(people.map((p) => p.GET('/api/v1/projects')));
		const tenant = await people[0]!.GET('/api/v1/tenant');
		expect([...calls, tenant].map((c) => c.response.status)).toEqual([200, 200, 200, 200, 200]);
		await until(async () => (await counter(GLOBEX)) === before + 5, 'the meter to write 5 calls');
		const events = await sql<{ quantity: string }>(
			`select quantity from public.usage_events where tenant_id = $1 and metric = 'api_calls'
			 order by id offset $2`,
			[GLOBEX, eventsBefore]
		);
		expect(events.reduce((sum, e) => sum + Number(e.quantity), 0)).toBe(5);
		expect(events.length).toBeLessThan(5);

		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) {
			const { response, error } = await people[i % 4]!.GET('/api/v1/teams');
			statuses.push(response.status);
			if (response.status === 429) {
				expect(error).toMatchObject({ code: 'TN229' });
				expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
			}
		}
		expect(statuses).toEqual([200, 200, 200, 429, 429]);
		await until(async () => (await counter(GLOBEX)) === before + 8, 'the meter to write 3 more');
		await new Promise((r) => setTimeout(r, FLUSH_MS + 200));
		expect(await counter(GLOBEX)).toBe(before + 8);
	});

	it('writes what it counted when the server shuts down', async () => {
		const ACME = 'b0000000-0000-4000-8000-000000000001';
		const client = checker.client(app.url, {
			cookie: await signInCookies(app, 'dev@acme.test', PASSWORD),
			'tenantry-tenant': 'acme'
		});
		await new Promise((r) => setTimeout(r, FLUSH_MS + 200));
		const before = await counter(ACME);
		for (let i = 0; i < 3; i++)
			expect((await client.GET('/api/v1/projects')).response.status).toBe(200);
		await app.stop();
		app = await start();
		expect(await counter(ACME)).toBe(before + 3);
	});
});
