import { PGlite, types, type Results } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { pgtap } from '@electric-sql/pglite-pgtap';
import { vector } from '@electric-sql/pglite-pgvector';
import { mkdirSync } from 'node:fs';
import {
	CompiledQuery,
	Kysely,
	PostgresAdapter,
	PostgresIntrospector,
	PostgresQueryCompiler,
	type DatabaseConnection,
	type Driver,
	type QueryResult,
	type TransactionSettings
} from 'kysely';
import type { DB } from './database';
import { inTransaction, type Engine, type ResultSet, type Session } from './engine';
import { SessionLock } from './session-lock';

export const MEMORY = 'memory';

/**
 * Parse int8 and numeric as strings, as node-postgres does, so both engines hand the app the same
 * JavaScript values and one generated type file describes both.
 */
const parsers = {
	[types.INT8]: (value: string) => value,
	[types.NUMERIC]: (value: string) => value
};

const extensions = { pgcrypto, citext, vector, pgtap };

export interface EmbeddedEngine extends Engine {
	readonly kind: 'embedded';
	readonly pglite: PGlite;
	readonly lock: SessionLock;
	/** A new in-memory engine holding a copy of this one's data (used to isolate test files). */
	clone(): Promise<EmbeddedEngine>;
}

/**
 * Opens PGlite with the extensions Tenantry's schema and tests use. `memory` keeps no files.
 * `loadDataDir` fills an empty directory from a snapshot (`dumpDataDir`, scripts/db.ts restore).
 */
export async function openEmbedded(
	dataDir: string,
	{ loadDataDir }: { loadDataDir?: Blob } = {}
): Promise<EmbeddedEngine> {
	if (dataDir !== MEMORY) mkdirSync(dataDir, { recursive: true });
	const pglite = await PGlite.create({
		dataDir: dataDir === MEMORY ? undefined : dataDir,
		loadDataDir,
		extensions,
		parsers
	});
	return wrap(pglite, dataDir === MEMORY ? 'memory' : dataDir);
}

/** PGlite does not apply per-database settings when it starts, so set Supabase's search path. */
const SEARCH_PATH = `set search_path = "$user", public, extensions`;

async function wrap(pglite: PGlite, location: string): Promise<EmbeddedEngine> {
	await pglite.exec(SEARCH_PATH);
	const lock = new SessionLock();
	const db = new Kysely<DB>({
		dialect: {
			createAdapter: () => new PostgresAdapter(),
			createDriver: () => new EmbeddedDriver(pglite, lock),
			createIntrospector: (k) => new PostgresIntrospector(k),
			createQueryCompiler: () => new PostgresQueryCompiler()
		}
	});
	return {
		kind: 'embedded',
		location,
		pglite,
		lock,
		db,
		async session(fn) {
			const release = await lock.acquire();
			try {
				return await fn(embeddedSession(pglite));
			} finally {
				if (pglite.isInTransaction()) await pglite.exec('rollback');
				release();
			}
		},
		async clone() {
			const release = await lock.acquire();
			try {
				const copy = await PGlite.create({
					loadDataDir: await pglite.dumpDataDir('none'),
					extensions,
					parsers
				});
				return wrap(copy, 'memory');
			} finally {
				release();
			}
		},
		async close() {
			if (!pglite.closed) await pglite.close();
		}
	};
}

function toResultSets(results: Results[]): ResultSet[] {
	return results.map((r) => ({
		rows: r.rows as Record<string, unknown>[],
		affectedRows: r.affectedRows
	}));
}

function embeddedSession(pglite: PGlite): Session {
	const session: Session = {
		exec: async (sql) => toResultSets(await pglite.exec(sql)),
		query: async <Row>(sql: string, params: unknown[] = []) =>
			(await pglite.query<Row>(sql, params)).rows,
		transaction: (fn) => inTransaction(session, fn)
	};
	return session;
}

/**
 * A Kysely driver over one PGlite instance. Each acquired connection holds the session lock until
 * it is released, so a Kysely transaction owns the backend for its whole duration.
 */
class EmbeddedDriver implements Driver {
	constructor(
		private readonly pglite: PGlite,
		private readonly lock: SessionLock
	) {}

	async init(): Promise<void> {
		await this.pglite.waitReady;
	}

	async acquireConnection(): Promise<DatabaseConnection> {
		return new EmbeddedConnection(this.pglite, await this.lock.acquire());
	}

	async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
		const modes = [
			settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
			settings.accessMode ?? ''
		].filter(Boolean);
		await connection.executeQuery(CompiledQuery.raw(['begin', ...modes].join(' ')));
	}

	async commitTransaction(connection: DatabaseConnection) {
		await connection.executeQuery(CompiledQuery.raw('commit'));
	}

	async rollbackTransaction(connection: DatabaseConnection) {
		await connection.executeQuery(CompiledQuery.raw('rollback'));
	}

	async releaseConnection(connection: DatabaseConnection): Promise<void> {
		const conn = connection as EmbeddedConnection;
		if (this.pglite.isInTransaction()) await this.pglite.exec('rollback');
		conn.release();
	}

	async destroy(): Promise<void> {
		if (!this.pglite.closed) await this.pglite.close();
	}
}

class EmbeddedConnection implements DatabaseConnection {
	constructor(
		private readonly pglite: PGlite,
		readonly release: () => void
	) {}

	async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
		const result = await this.pglite.query<R>(compiled.sql, compiled.parameters as unknown[]);
		return {
			rows: result.rows,
			numAffectedRows: result.affectedRows != null ? BigInt(result.affectedRows) : undefined
		};
	}

	// eslint-disable-next-line require-yield
	async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
		throw new Error('Streaming is not supported by the embedded engine.');
	}
}
