import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './database';
import { inTransaction, redactUrl, type Engine, type ResultSet, type Session } from './engine';

export interface ServerEngine extends Engine {
	readonly kind: 'server';
	readonly pool: pg.Pool;
}

/**
 * Any Postgres ≥ 15 by URL, including Supabase through its pooler in transaction mode: every
 * request runs in one transaction, nothing depends on session state, and no named prepared
 * statements are used.
 */
export function openServer(url: string, poolMax = 10): ServerEngine {
	const pool = new pg.Pool({ connectionString: url, max: poolMax, idleTimeoutMillis: 10_000 });
	pool.on('error', (error) => console.error(`database pool error: ${error.message}`));
	const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
	return {
		kind: 'server',
		location: redactUrl(url),
		pool,
		db,
		async session(fn) {
			const client = await pool.connect();
			let broken: Error | undefined;
			try {
				return await fn(serverSession(client));
			} catch (error) {
				await client.query('rollback').catch((e: Error) => (broken = e));
				throw error;
			} finally {
				client.release(broken);
			}
		},
		async close() {
			await db.destroy();
		}
	};
}

function serverSession(client: pg.PoolClient): Session {
	const session: Session = {
		async exec(sql) {
			const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
			const list = Array.isArray(result) ? result : [result];
			return list.map((r): ResultSet => ({
				rows: r.rows ?? [],
				affectedRows: r.rowCount ?? undefined
			}));
		},
		async query<Row>(sql: string, params: unknown[] = []) {
			return (await client.query(sql, params)).rows as Row[];
		},
		transaction: (fn) => inTransaction(session, fn)
	};
	return session;
}
