import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedEmbedded } from '../support/database';
import type { EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import { serveWire, type WireServer } from '../../src/lib/server/platform/wire';
import { sql } from 'kysely';

describe('the embedded database served over the wire', () => {
	let engine: EmbeddedEngine;
	let wire: WireServer;

	beforeAll(async () => {
		({ engine, wire } = await servedEmbedded({ seed: false, maxConnections: 8 }));
		await engine.session((s) => s.exec('create table public.counter (n int not null)'));
	});
	afterAll(async () => {
		await wire.stop();
		await engine.close();
	});

	const client = async () => {
		const c = new pg.Client(wire.url);
		await c.connect();
		return c;
	};

	it('answers a plain node-postgres client as user postgres on database postgres', async () => {
		const c = await client();
		const { rows } = await c.query(
			'select current_user as who, current_database() as db, $1::int + 1 as n',
			[41]
		);
		expect(rows).toEqual([{ who: 'postgres', db: 'postgres', n: 42 }]);
		await c.end();
	});

	it("keeps one client's open transaction invisible to another and to the app", async () => {
		const a = await client();
		const b = await client();
		await a.query('begin');
		await a.query('insert into public.counter values (1)');
		const bRead = b.query('select count(*)::int as n from public.counter');
		const appRead = engine.db
			.transaction()
			.execute((trx) =>
				sql<{ n: number }>`select count(*)::int as n from public.counter`.execute(trx)
			);
		await a.query('insert into public.counter values (2)');
		await a.query('rollback');
		expect((await bRead).rows).toEqual([{ n: 0 }]);
		expect((await appRead).rows).toEqual([{ n: 0 }]);
		await a.end();
		await b.end();
	});

	it('serves many clients at once without mixing their statements', async () => {
		const clients = await Promise.all(Array.from({ length: 6 }, client));
		const answers = (
			await Promise.all(
				clients.map(async (c, i) => {
					const mine: { want: number; got: number }[] = [];
					for (let j = 0; j < 10; j++) {
						const r = await c.query('select $1::int * 100 + $2::int as v', [i, j]);
						mine.push({ want: i * 100 + j, got: r.rows[0].v as number });
					}
					return mine;
				})
			)
		).flat();
		for (const a of answers) expect(a.got).toBe(a.want);
		await Promise.all(clients.map((c) => c.end()));
	});

	it('rolls back the transaction of a client that disconnects in the middle of it', async () => {
		const a = await client();
		await a.query('begin');
		await a.query('insert into public.counter values (3)');
		await a.end();
		const rows = await engine.session((s) =>
			s.query<{ n: number }>('select count(*)::int as n from public.counter')
		);
		expect(rows).toEqual([{ n: 0 }]);
		expect(engine.pglite.isInTransaction()).toBe(false);
	});

	it('refuses clients past the connection limit with a Postgres error', async () => {
		const small = await serveWire({
			pglite: engine.pglite,
			lock: engine.lock,
			host: '127.0.0.1',
			port: 0,
			maxConnections: 1
		});
		const a = new pg.Client(small.url);
		await a.connect();
		const b = new pg.Client(small.url);
		await expect(b.connect()).rejects.toThrow(/too many clients/);
		await a.end();
		await small.stop();
	});

	const psql = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p));
	it('works with psql, two sessions at once', async () => {
		if (!psql) {
			throw new Error(
				'psql is missing: install postgresql-client (apt-get install postgresql-client-15)'
			);
		}
		const run = (query: string) => promisify(execFile)(psql, [wire.url, '-qtAc', query]);
		const [one, two] = await Promise.all([run('select 6 * 7'), run('select pg_sleep(0.1), 1 + 1')]);
		expect(one.stdout.trim()).toBe('42');
		expect(two.stdout.trim()).toBe('|2');
	});
});
