/**
 * Data sources (issue 18 §4) against servers this file starts on loopback: a scratch database on
 * Postgres 15 (TEST_DATABASE_URL) with a table of rows and a role with a password, and an HTTP
 * server on 127.0.0.1 answering JSON. The app's own database is one seeded PGlite. Proven: reads
 * work; writes, several statements and slow queries are stopped; the row limit holds; a wrong
 * password is named; parameters are bound (SQL) or query-string values (HTTP), never in the text
 * or the path; the guard refuses an address before any connection (resolved addresses too, and a
 * redirect's); an oversized body is cut; the credential is never returned and never visible to
 * dashboards.read; a saved query over a source runs through the same dispatcher as the widgets.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import pg from 'pg';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceSchema, sourceJson } from '../../src/lib/server/api/v1/data-sources';
import {
	createSource,
	createSourceQuery,
	deleteSource,
	getSource,
	listSources,
	runOnSource,
	testSource,
	type DataSourcesConfig
} from '../../src/lib/server/bi/sources';
import { runSavedQuery } from '../../src/lib/server/bi/sources/dispatch';
import { checkedAddress, checkedUrl } from '../../src/lib/server/bi/sources/guard';
import { MAX_BODY_BYTES, recordsOf } from '../../src/lib/server/bi/sources/http-json';
import { sourceSchema, type SourceInput } from '../../src/lib/server/bi/sources/schemas';
import { SourceError } from '../../src/lib/server/bi/sources/types';
import { getSavedQuery } from '../../src/lib/server/bi/queries';
import {
	EVENT_CATALOGUE,
	parsePayload,
	type EventType
} from '../../src/lib/server/events/catalogue';
import { loadConfig } from '../../src/lib/server/platform/config';
import type { DB } from '../../src/lib/server/platform/database';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { freePort } from '../support/app';
import { seeded } from '../support/database';
import { embeddedFactory, serverUrl, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = 'a0000000-0000-4000-8000-000000000011';
const VIEWER = 'a0000000-0000-4000-8000-000000000014';
const GLOBEX_OWNER = 'a0000000-0000-4000-8000-000000000021';

/** An address of a private range, built from octets (never written as a literal a URL could carry). */
const privateAddress = (...octets: number[]) => octets.join('.');

const config: DataSourcesConfig = loadConfig({
	NODE_ENV: 'test',
	WEBHOOK_ALLOW_LOOPBACK: 'true'
});
const strict: DataSourcesConfig = { ...config, WEBHOOK_ALLOW_LOOPBACK: false };

let t: TestEngine;
const as = <T>(user: string, fn: (trx: Transaction<DB>) => Promise<T>) =>
	runWithClaims(t.engine.db, { sub: user, role: 'authenticated' }, fn);

async function codeOf(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof SourceError) return `${error.code}: ${error.message}`;
		throw error;
	}
	return 'ran';
}

const add = (input: Record<string, unknown>, user = OWNER) =>
	as(user, (trx) => createSource(trx, config, ACME, sourceSchema.parse(input) as SourceInput));

beforeAll(async () => {
	t = await seeded(embeddedFactory);
}, 120_000);
afterAll(() => t?.dispose());

describe('the SSRF guard, before any connection', () => {
	it('refuses private, link-local and loopback addresses, written or resolved', async () => {
		const resolveTo = (address: string) => async () => [address];
		const refused = (host: string, resolve?: () => Promise<string[]>) =>
			codeOf(checkedAddress(host, 5432, { allowLoopback: false, resolve }));
		expect(await refused(privateAddress(10, 1, 2, 3))).toMatch(/^TN546: .*private network/);
		expect(await refused(privateAddress(169, 254, 169, 254))).toMatch(/^TN546: .*metadata/);
		expect(await refused('127.0.0.1')).toMatch(/^TN546: .*loopback/);
		expect(await refused('localhost')).toMatch(/^TN546/);
		// A public-looking name whose resolved address is private is refused by that address.
		expect(await refused('db.example.com', resolveTo(privateAddress(192, 168, 4, 2)))).toMatch(
			/^TN546: .*resolves to 192\.168\.4\.2/
		);
		expect(await refused('db.example.com', resolveTo(privateAddress(172, 16, 0, 9)))).toMatch(
			/^TN546/
		);
		// Loopback passes only with the switch, and nothing else does with it.
		expect(await checkedAddress('127.0.0.1', 5432, { allowLoopback: true })).toBe('127.0.0.1');
		expect(
			await codeOf(
				checkedAddress('db.example.com', 5432, {
					allowLoopback: true,
					resolve: resolveTo(privateAddress(10, 0, 0, 5))
				})
			)
		).toMatch(/^TN546/);
		// The address the guard checked is the one returned to dial (no second resolution).
		expect(
			await checkedUrl('http://localhost:8080/x', {
				allowLoopback: true,
				resolve: resolveTo('127.0.0.1')
			})
		).toMatchObject({ address: '127.0.0.1' });
	});

	it('refuses a refused host without opening a connection to it', async () => {
		let connections = 0;
		const server = createTcpServer((socket) => {
			connections++;
			socket.destroy();
		});
		const port = await freePort();
		await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
		try {
			const id = await add({
				kind: 'postgres',
				name: 'Counted',
				host: '127.0.0.1',
				port,
				database: 'shop',
				user: 'reader',
				ssl: 'disable',
				password: 'x'
			});
			const outcome = await as(OWNER, (trx) => testSource(trx, strict, ACME, id));
			expect(outcome).toMatchObject({ ok: false });
			expect(outcome!.message).toMatch(/loopback.*\(TN546\)$/);
			expect(connections).toBe(0);
			// The same source with loopback allowed does reach the server: the count can move.
			await as(OWNER, (trx) => testSource(trx, config, ACME, id));
			expect(connections).toBe(1);
		} finally {
			server.close();
		}
	});
});

describe('HTTP JSON sources on a local server', () => {
	let server: Server;
	let base: string;
	const seen: { path: string; search: string; auth?: string }[] = [];

	beforeAll(async () => {
		const port = await freePort();
		base = `http://127.0.0.1:${port}`;
		server = createHttpServer((req, res) => {
			const url = new URL(req.url ?? '/', base);
			seen.push({
				path: url.pathname,
				search: url.search,
				auth: req.headers['x-api-key'] as string
			});
			const json = (body: unknown) => {
				res.setHeader('content-type', 'application/json');
				res.end(JSON.stringify(body));
			};
			switch (url.pathname) {
				case '/api/checks':
					return json({
						data: {
							items: Array.from({ length: 30 }, (_, i) => ({
								name: `check-${i}`,
								ok: i % 3 !== 0,
								...(i === 1 ? { latency_ms: 12 } : {}),
								region: url.searchParams.get('region')
							}))
						}
					});
				case '/to-private':
					res.statusCode = 302;
					res.setHeader('location', `http://${privateAddress(10, 0, 0, 9)}/api/checks`);
					return res.end();
				case '/to-local':
					res.statusCode = 301;
					res.setHeader('location', '/api/checks');
					return res.end();
				case '/big':
					res.setHeader('content-type', 'application/json');
					res.write('{"items": [');
					for (let i = 0; i < 40; i++) res.write(`"${'x'.repeat(100_000)}",`);
					return res.end('"end"]}');
				case '/slow':
					return setTimeout(() => json({ items: [] }), 2000);
				case '/text':
					return res.end('not json');
				default:
					res.statusCode = 404;
					return res.end();
			}
		});
		await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	});
	afterAll(() => server?.close());

	it('fetches, finds the records at their path, infers the columns and holds the row limit', async () => {
		const id = await add({
			kind: 'http_json',
			name: 'Checks',
			url: `${base}/api/checks`,
			recordsPath: '$.data.items',
			authHeader: 'X-Api-Key',
			secretValue: 'tok-123',
			rowLimit: 10
		});
		const outcome = await as(OWNER, (trx) => testSource(trx, config, ACME, id));
		expect(outcome).toEqual({
			ok: true,
			message: 'Fetched 10 records at $.data.items (4 columns).'
		});
		const result = await as(VIEWER, (trx) =>
			runOnSource(trx, config, {
				tenantId: ACME,
				sourceId: id,
				text: '$.data.items',
				parameters: [{ name: 'region', type: 'text' }],
				values: { region: 'eu/../admin?x=1' }
			})
		);
		expect(result.columns).toEqual(['name', 'ok', 'region', 'latency_ms']);
		expect(result.rows).toHaveLength(10);
		expect(result.truncated).toBe(true);
		expect(result.rows[0]).toEqual({ name: 'check-0', ok: false, region: 'eu/../admin?x=1' });
		// The parameter went as a query-string value; the path stayed the configured one.
		const last = seen.at(-1)!;
		expect(last.path).toBe('/api/checks');
		expect(last.search).toBe('?region=eu%2F..%2Fadmin%3Fx%3D1');
		expect(last.auth).toBe('tok-123');
	});

	it('follows a redirect it may, and refuses one to an address the guard refuses', async () => {
		const local = await add({
			kind: 'http_json',
			name: 'Moved',
			url: `${base}/to-local`,
			recordsPath: '$.data.items'
		});
		expect(await as(OWNER, (trx) => testSource(trx, config, ACME, local))).toMatchObject({
			ok: true
		});
		const away = await add({
			kind: 'http_json',
			name: 'Away',
			url: `${base}/to-private`,
			recordsPath: '$.data.items'
		});
		const outcome = await as(OWNER, (trx) => testSource(trx, config, ACME, away));
		expect(outcome).toMatchObject({ ok: false });
		expect(outcome!.message).toMatch(
			/^Not connected: The address 10\.0\.0\.9 is in a private network.*\(TN546\)$/
		);
	});

	it('cuts an oversized body, stops a slow answer and refuses what is not records', async () => {
		const big = await add({
			kind: 'http_json',
			name: 'Big',
			url: `${base}/big`,
			recordsPath: '$.items'
		});
		const started = Date.now();
		const bigRun = await as(OWNER, (trx) => testSource(trx, config, ACME, big));
		expect(bigRun).toEqual({
			ok: false,
			message: `The answer is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB: reading stopped there. (TN549)`
		});
		const slow = await add({
			kind: 'http_json',
			name: 'Slow',
			url: `${base}/slow`,
			timeoutMs: 300
		});
		const slowRun = await as(OWNER, (trx) => testSource(trx, config, ACME, slow));
		expect(slowRun!.message).toMatch(/did not answer within 300 ms\. \(TN548\)$/);
		expect(Date.now() - started).toBeLessThan(1900);
		const text = await add({ kind: 'http_json', name: 'Text', url: `${base}/text` });
		expect((await as(OWNER, (trx) => testSource(trx, config, ACME, text)))!.message).toMatch(
			/did not answer JSON\. \(TN549\)$/
		);
		const wrongPath = await add({
			kind: 'http_json',
			name: 'Wrong path',
			url: `${base}/api/checks`,
			recordsPath: '$.data.nothing'
		});
		expect((await as(OWNER, (trx) => testSource(trx, config, ACME, wrongPath)))!.message).toBe(
			'There is no array of records at $.data.nothing. (TN549)'
		);
		const missing = await add({ kind: 'http_json', name: 'Missing', url: `${base}/nope` });
		expect((await as(OWNER, (trx) => testSource(trx, config, ACME, missing)))!.message).toMatch(
			/answered 404\. \(TN547\)$/
		);
		expect(recordsOf({ a: [1, 2] }, '$.a', 5)).toEqual({
			columns: ['value'],
			rows: [{ value: 1 }, { value: 2 }],
			truncated: false
		});
	});

	it('in production (no loopback switch) refuses plain http and this machine', async () => {
		const id = (await as(OWNER, (trx) => listSources(trx, ACME))).find(
			(s) => s.name === 'Checks'
		)!.id;
		const outcome = await as(OWNER, (trx) => testSource(trx, strict, ACME, id));
		expect(outcome!.message).toMatch(/^Not connected: The URL must start with https:\/\//);
	});
});

describe('the credential', () => {
	const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
	let id: string;

	beforeAll(async () => {
		id = await add({
			kind: 'postgres',
			name: 'Warehouse',
			host: 'db.example.com',
			database: 'shop',
			user: 'reader',
			password: PASSWORD
		});
	});

	it('is stored as the source’s owned secret, sealed', async () => {
		const { rows } = await sql<{ owner_type: string; owner_id: string; sealed: string }>`
			select s.owner_type, s.owner_id, v.ciphertext as sealed from public.secrets s
			join public.secret_versions v on v.id = s.current_version_id
			where s.id = (select secret_id from public.data_sources where id = ${id})`.execute(t.engine.db);
		expect(rows[0]).toMatchObject({ owner_type: 'data_source', owner_id: id });
		expect(rows[0]!.sealed).not.toContain(PASSWORD);
		const { rows: all } = await sql<{ row: string }>`
			select d::text as row from public.data_sources d where id = ${id}`.execute(t.engine.db);
		expect(all[0]!.row).not.toContain(PASSWORD);
	});

	it('is never in what the API returns, nor in its schema', async () => {
		const owner = await as(OWNER, (trx) => getSource(trx, ACME, id));
		const json = JSON.stringify(sourceJson(owner!));
		expect(json).not.toContain(PASSWORD);
		expect(JSON.parse(json)).toMatchObject({
			has_credential: true,
			config: { host: 'db.example.com', user: 'reader' }
		});
		const properties = Object.keys(dataSourceSchema.shape);
		expect(properties).toEqual(
			expect.arrayContaining(['name', 'kind', 'config', 'has_credential'])
		);
		expect(properties.filter((p) => /password|token|secret/.test(p))).toEqual([]);
	});

	it('is invisible to dashboards.read, who still sees the source’s name and kind', async () => {
		const seen = await as(VIEWER, async (trx) => ({
			sources: await listSources(trx, ACME),
			secrets: (
				await sql<{
					n: number;
				}>`select count(*)::int as n from public.secrets where owner_type = 'data_source'`.execute(
					trx
				)
			).rows[0]!.n
		}));
		const warehouse = seen.sources.find((s) => s.id === id)!;
		expect(warehouse).toMatchObject({ name: 'Warehouse', kind: 'postgres', hasCredential: true });
		expect(JSON.stringify(seen.sources)).not.toContain(PASSWORD);
		expect(seen.secrets).toBe(0);
		// And another tenant sees nothing of it.
		expect(await as(GLOBEX_OWNER, (trx) => getSource(trx, ACME, id))).toBeNull();
	});

	it('cannot be written by dashboards.read', async () => {
		await expect(
			add({ kind: 'http_json', name: 'Viewer’s', url: 'https://status.example.com/x' }, VIEWER)
		).rejects.toMatchObject({ code: '42501' });
	});
});

// The Postgres driver against a real server: PGlite speaks no wire protocol of its own here.
describe('external Postgres (a scratch database on Postgres 15)', () => {
	const suffix = randomBytes(5).toString('hex');
	const database = `sources_scratch_${suffix}`;
	const role = `sources_reader_${suffix}`;
	const password = `pw-${randomBytes(8).toString('hex')}`;
	let admin: pg.Client;
	let port = 5432;
	let host = '127.0.0.1';
	let shop: string;

	const scratch = async (text: string) => {
		const client = new pg.Client({ connectionString: scratchUrl() });
		await client.connect();
		try {
			return await client.query(text);
		} finally {
			await client.end();
		}
	};
	const scratchUrl = () => {
		const url = new URL(serverUrl!);
		url.pathname = `/${database}`;
		return url.toString();
	};
	const source = (extra: Record<string, unknown> = {}) =>
		add({ kind: 'postgres', host, port, database, user: role, ssl: 'disable', password, ...extra });
	const run = (
		sourceId: string,
		text: string,
		extra: Partial<Parameters<typeof runOnSource>[2]> = {}
	) => as(VIEWER, (trx) => runOnSource(trx, config, { tenantId: ACME, sourceId, text, ...extra }));

	beforeAll(async () => {
		if (!serverUrl)
			throw new Error(
				'TEST_DATABASE_URL is not set: the Postgres data-source tests need Postgres 15 (bash scripts/postgres15.sh)'
			);
		const url = new URL(serverUrl);
		host = url.hostname;
		port = Number(url.port || 5432);
		admin = new pg.Client({ connectionString: serverUrl });
		await admin.connect();
		await admin.query(`create role ${role} login password '${password}'`);
		await admin.query(`create database ${database}`);
		await scratch(`
			revoke create on schema public from public;
			create table orders (id int primary key, region text not null, amount numeric not null);
			insert into orders select i, case when i % 2 = 0 then 'north' else 'south' end, i * 10 from generate_series(1, 25) i;
			create function bump() returns int language sql volatile as 'update orders set amount = amount + 1 returning 1';
			grant select on orders to ${role};
			grant update on orders to ${role};`);
		shop = await source({ name: 'Shop' });
	}, 60_000);
	afterAll(async () => {
		if (!admin) return;
		await admin.query(`drop database if exists ${database} with (force)`);
		await admin.query(`drop role if exists ${role}`);
		await admin.end();
	});

	it('connects read-only and reads rows', async () => {
		const outcome = await as(OWNER, (trx) => testSource(trx, config, ACME, shop));
		expect(outcome).toMatchObject({ ok: true });
		expect(outcome!.message).toMatch(
			/^Connected to PostgreSQL 15\.\S+ as sources_reader_\w+, read only \(on\)\.$/
		);
		const result = await run(
			shop,
			'select region, count(*)::int as n, sum(amount)::int as total from orders group by region order by region'
		);
		expect(result.columns).toEqual(['region', 'n', 'total']);
		expect(result.rows).toEqual([
			{ region: 'north', n: 12, total: 1560 },
			{ region: 'south', n: 13, total: 1690 }
		]);
		const recorded = await as(OWNER, (trx) => getSource(trx, ACME, shop));
		expect(recorded).toMatchObject({ lastCheckOk: true });
	});

	it('refuses writes, even by a role allowed to write, and several statements', async () => {
		expect(await codeOf(run(shop, 'select bump() as b'))).toBe(
			'TN548: A data source is read only: the query tried to write.'
		);
		expect(
			await codeOf(run(shop, 'update orders set amount = 0 where id = 1 returning id'))
		).toMatch(/^TN548/);
		expect(
			await codeOf(
				run(shop, 'select 1 as one) q; update orders set amount = 0; select * from (select 1')
			)
		).toMatch(
			/^TN548: The source refused the query: cannot insert multiple commands into a prepared statement/
		);
		expect(await codeOf(run(shop, 'select * from orders for update'))).toMatch(/^TN548/);
		const { rows } = await scratch('select sum(amount)::int as total from orders');
		expect(rows[0].total).toBe(3250);
	});

	it('stops a slow query at the timeout', async () => {
		const started = Date.now();
		expect(await codeOf(run(shop, 'select pg_sleep(5) is null as slept', { timeoutMs: 300 }))).toBe(
			'TN548: The query ran longer than 300 ms and was stopped.'
		);
		expect(Date.now() - started).toBeLessThan(3000);
	});

	it('holds the row limit (the lower of the query’s and the source’s)', async () => {
		const limited = await run(shop, 'select * from orders order by id', { rowLimit: 7 });
		expect(limited.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
		expect(limited.truncated).toBe(true);
		const small = await source({ name: 'Small shop', rowLimit: 3 });
		const capped = await run(small, 'select * from orders order by id', { rowLimit: 100 });
		expect(capped.rows).toHaveLength(3);
	});

	it('binds typed parameters, never writing them into the text', async () => {
		const parameters = [
			{ name: 'region', type: 'text' as const },
			{ name: 'min', type: 'integer' as const }
		];
		const north = await run(
			shop,
			'select count(*)::int as n from orders where region = $1 and amount >= $2',
			{
				parameters,
				values: { region: 'north', min: 100 }
			}
		);
		expect(north.rows).toEqual([{ n: 8 }]);
		const injected = await run(
			shop,
			'select count(*)::int as n from orders where region = $1 and amount >= $2',
			{
				parameters,
				values: { region: "north' or '1'='1", min: 0 }
			}
		);
		expect(injected.rows).toEqual([{ n: 0 }]);
		await expect(
			run(shop, 'select $1::int as n', {
				parameters: [{ name: 'n', type: 'integer' }],
				values: { n: '1; drop table orders' }
			})
		).rejects.toMatchObject({ code: 'TN527' });
	});

	it('names a wrong password, and a database that is not there', async () => {
		const wrong = await source({ name: 'Wrong password', password: 'not-it' });
		const outcome = await as(OWNER, (trx) => testSource(trx, config, ACME, wrong));
		expect(outcome).toEqual({
			ok: false,
			message: `${host}:${port} refused the user ${role}: check the user name and the password. (TN547)`
		});
		const nowhere = await source({ name: 'No database', database: `${database}_gone` });
		expect((await as(OWNER, (trx) => testSource(trx, config, ACME, nowhere)))!.message).toMatch(
			/has no database .*_gone\. \(TN547\)$/
		);
	});

	it('runs a saved query over the source through the dispatcher the widgets use', async () => {
		const queryId = await as(OWNER, (trx) =>
			createSourceQuery(trx, ACME, {
				source: shop,
				name: 'Orders by region',
				text: 'select region, count(*)::int as n from orders where region = $1 group by region',
				parameters: [{ name: 'region', type: 'text' }]
			})
		);
		const result = await as(VIEWER, async (trx) => {
			const query = (await getSavedQuery(trx, ACME, queryId))!;
			expect(query.dataSourceId).toBe(shop);
			return runSavedQuery(
				trx,
				query,
				{ tenantId: ACME, parameters: query.parameters, values: { region: 'south' } },
				config
			);
		});
		expect(result.rows).toEqual([{ region: 'south', n: 13 }]);
		// The built-in source still answers a query without one.
		const builtIn = await as(VIEWER, (trx) =>
			runSavedQuery(trx, { sql: 'select 1 as one', dataSourceId: null }, { tenantId: ACME }, config)
		);
		expect(builtIn.rows).toEqual([{ one: 1 }]);
	});

	it('deletes a source with its credential and its queries, and publishes both events', async () => {
		const doomed = await source({ name: 'Doomed' });
		const queryId = await as(OWNER, (trx) =>
			createSourceQuery(trx, ACME, {
				source: doomed,
				name: 'Doomed orders',
				text: 'select 1 as one',
				parameters: []
			})
		);
		expect(await as(VIEWER, (trx) => deleteSource(trx, ACME, doomed))).toBe(false);
		expect(await as(OWNER, (trx) => deleteSource(trx, ACME, doomed))).toBe(true);
		const { rows } = await sql<{ queries: number; secrets: number }>`
			select (select count(*)::int from public.saved_queries where id = ${queryId}) as queries,
				(select count(*)::int from public.secrets where owner_type = 'data_source' and owner_id = ${doomed}) as secrets`.execute(
			t.engine.db
		);
		expect(rows[0]).toEqual({ queries: 0, secrets: 0 });
		const { rows: events } = await sql<{
			type: string;
			subject_type: string;
			subject_id: string;
			payload: unknown;
		}>`
			select type, subject_type, subject_id, payload from public.events where type like 'data_source.%'`.execute(
			t.engine.db
		);
		expect(events.map((e) => parsePayload(e.type, e.payload)).filter((p) => !p.success)).toEqual(
			[]
		);
		expect(
			events.every((e) => e.subject_type === EVENT_CATALOGUE[e.type as EventType].subject)
		).toBe(true);
		expect(
			events
				.filter((e) => e.subject_id === doomed)
				.map((e) => e.type)
				.sort()
		).toEqual(['data_source.created', 'data_source.deleted']);
	});
});
