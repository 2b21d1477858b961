import type { Kysely } from 'kysely';
import type { DB } from './database';

export type EngineKind = 'embedded' | 'server';

/** One result set of a simple-protocol query: the rows and, for DML, how many were affected. */
export interface ResultSet {
	rows: Record<string, unknown>[];
	affectedRows?: number;
}

/**
 * One exclusive database connection, for infrastructure work that Kysely does not model:
 * multi-statement scripts (migrations, seeds, pgTAP files) and session-level commands.
 */
export interface Session {
	/** Runs a script through the simple query protocol; one result set per statement. */
	exec(sql: string): Promise<ResultSet[]>;
	/** Runs one parameterised statement through the extended protocol. */
	query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
	/** Runs `fn` between BEGIN and COMMIT, rolling back if it throws. */
	transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** A database engine: the embedded PGlite or a Postgres server, behind one interface. */
export interface Engine {
	readonly kind: EngineKind;
	/** Where the data lives, for people: a directory, `memory`, or a URL without its password. */
	readonly location: string;
	readonly db: Kysely<DB>;
	/** Borrows one connection exclusively for the duration of `fn`. */
	session<T>(fn: (session: Session) => Promise<T>): Promise<T>;
	close(): Promise<void>;
}

/** Runs `fn` in a transaction on `session`; rolls back and rethrows on failure. */
export async function inTransaction<T>(session: Session, fn: () => Promise<T>): Promise<T> {
	await session.exec('begin');
	try {
		const result = await fn();
		await session.exec('commit');
		return result;
	} catch (error) {
		await session.exec('rollback');
		throw error;
	}
}

/** A connection URL with its password masked, safe to print. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '*****';
		return parsed.toString();
	} catch {
		return '<unparseable url>';
	}
}
