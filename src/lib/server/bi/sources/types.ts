/**
 * The driver boundary of data sources (docs/data-sources.md#adding-a-driver): one object per kind
 * that tests a connection and runs a query, given the source's configuration and its credential.
 * A driver checks every address it dials with the SSRF guard (./guard.ts) and connects to the
 * address it checked; it reads only (a read-only transaction, a GET) and stops at the timeout and
 * the row limit it is given. Postgres and HTTP JSON are here; MySQL, BigQuery and ClickHouse are
 * not (a driver of the same shape, a kind in the migration's check, a form).
 */

export const SOURCE_KINDS = ['postgres', 'http_json'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface PostgresConfig {
	host: string;
	port: number;
	database: string;
	user: string;
	ssl: 'disable' | 'require';
}

export interface HttpJsonConfig {
	url: string;
	/** Where the array of records is in the body: `$`, `$.data.items`, `$.results[0].rows`. */
	records_path?: string;
	/** The header the credential is sent in (e.g. Authorization); none: no credential. */
	auth_header?: string | null;
}

export type SourceConfig = PostgresConfig | HttpJsonConfig;

/** What a driver is given: the source's configuration and its credential, opened for this call. */
export interface Connection<C extends SourceConfig = SourceConfig> {
	config: C;
	/** The password (Postgres) or the header's value (HTTP); null when the source has none. */
	secret: string | null;
	/** Lets loopback through the SSRF guard (WEBHOOK_ALLOW_LOOPBACK: tests and the demo only). */
	allowLoopback: boolean;
	/** The resolver the guard asks (the system's by default; tests give their own). */
	resolve?: (host: string) => Promise<string[]>;
}

export interface RunLimits {
	/** How long the query (and, separately, the connection) may take. */
	timeoutMs: number;
	/** The most rows returned; `truncated` says more matched. */
	rowLimit: number;
}

/** A typed parameter's value as the driver passes it: bound ($1 …) or a query-string value. */
export interface BoundParameter {
	name: string;
	value: string | number | boolean | null;
}

export interface SourceResult {
	columns: string[];
	rows: Record<string, unknown>[];
	truncated: boolean;
	elapsedMs: number;
}

export interface Driver<C extends SourceConfig = SourceConfig> {
	kind: SourceKind;
	/** Connects (and runs a trivial read); a sentence saying what it found. Throws SourceError. */
	test(connection: Connection<C>, limits: RunLimits): Promise<string>;
	/** Runs `text` (SQL, or an HTTP source's records path) read-only within the limits. */
	query(
		connection: Connection<C>,
		text: string,
		params: BoundParameter[],
		limits: RunLimits
	): Promise<SourceResult>;
}

/**
 * A refusal or failure a tenant can act on, with the module's TN code: TN546 the guard refused
 * the address, TN547 the connection or its credential failed, TN548 the query was stopped (timeout,
 * a write, an error of the source), TN549 what the source answered is not records.
 */
export class SourceError extends Error {
	constructor(
		readonly code: 'TN546' | 'TN547' | 'TN548' | 'TN549',
		message: string
	) {
		super(message);
	}
}
