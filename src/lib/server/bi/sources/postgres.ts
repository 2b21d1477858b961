/**
 * External Postgres (node `pg`): one connection per call to the address the SSRF guard checked
 * (TLS, when required, still verifies the certificate against the configured host name), opened
 * with `default_transaction_read_only` and a statement timeout, a connect timeout, the query in
 * `BEGIN READ ONLY` over the extended protocol (one statement; parameters bound as $1 …, never
 * written into the text) and wrapped in `limit row_limit + 1`, then rolled back and closed.
 */
import pg from 'pg';
import { checkedAddress } from './guard';
import {
	SourceError,
	type BoundParameter,
	type Connection,
	type Driver,
	type PostgresConfig,
	type RunLimits,
	type SourceResult
} from './types';

/** The server's SQLSTATEs that name the credential or the database, in a sentence. */
function connectProblem(error: unknown, config: PostgresConfig): SourceError {
	const code = (error as { code?: string }).code;
	const at = `${config.host}:${config.port}`;
	if (code === '28P01' || code === '28000')
		return new SourceError(
			'TN547',
			`${at} refused the user ${config.user}: check the user name and the password.`
		);
	if (code === '3D000')
		return new SourceError('TN547', `${at} has no database ${config.database}.`);
	const message = (error as Error).message ?? String(error);
	if (/timeout/i.test(message)) return new SourceError('TN547', `${at} did not answer in time.`);
	return new SourceError('TN547', `Could not connect to ${at}: ${message}.`);
}

async function connect(
	connection: Connection<PostgresConfig>,
	limits: RunLimits
): Promise<pg.Client> {
	const { config } = connection;
	const address = await checkedAddress(config.host, config.port, connection);
	const timeout = Math.max(100, Math.round(limits.timeoutMs));
	const client = new pg.Client({
		host: address,
		port: config.port,
		database: config.database,
		user: config.user,
		password: connection.secret ?? undefined,
		ssl:
			config.ssl === 'require'
				? { servername: config.host.replace(/^\[|\]$/g, ''), rejectUnauthorized: true }
				: false,
		// The connection gets at least a second, whatever the statement's limit.
		connectionTimeoutMillis: Math.min(Math.max(timeout, 1000), 30_000),
		query_timeout: timeout + 1000,
		application_name: 'tenantry-data-source',
		options: `-c default_transaction_read_only=on -c statement_timeout=${timeout} -c idle_in_transaction_session_timeout=${timeout + 1000}`
	});
	client.on('error', () => undefined);
	try {
		await client.connect();
	} catch (error) {
		await client.end().catch(() => undefined);
		throw connectProblem(error, config);
	}
	return client;
}

function queryProblem(error: unknown, timeoutMs: number): SourceError {
	const code = (error as { code?: string }).code;
	const message = (error as Error).message ?? String(error);
	if (code === '57014' || /timeout/i.test(message))
		return new SourceError('TN548', `The query ran longer than ${timeoutMs} ms and was stopped.`);
	if (code === '25006')
		return new SourceError('TN548', 'A data source is read only: the query tried to write.');
	return new SourceError('TN548', `The source refused the query: ${message}.`);
}

export const postgresDriver: Driver<PostgresConfig> = {
	kind: 'postgres',

	async test(connection, limits) {
		const client = await connect(connection, limits);
		try {
			const { rows } = await client.query<{ version: string; read_only: string }>({
				text: `select split_part(version(), ' ', 2) as version, current_setting('transaction_read_only') as read_only`,
				queryMode: 'extended'
			} as pg.QueryConfig);
			const row = rows[0]!;
			return `Connected to PostgreSQL ${row.version} as ${connection.config.user}, read only (${row.read_only}).`;
		} catch (error) {
			throw queryProblem(error, limits.timeoutMs);
		} finally {
			await client.end().catch(() => undefined);
		}
	},

	async query(connection, text, params: BoundParameter[], limits): Promise<SourceResult> {
		const client = await connect(connection, limits);
		const started = performance.now();
		try {
			await client.query('begin read only');
			const body = text.replace(/[\s;]+$/, '');
			const result = await client.query({
				text: `select * from (\n${body}\n) q limit ${limits.rowLimit + 1}`,
				values: params.map((p) => p.value),
				// The extended protocol: one statement, however the text is cut (@types/pg lacks the key).
				queryMode: 'extended'
			} as pg.QueryConfig);
			return {
				columns: result.fields.map((f) => f.name),
				rows: result.rows.slice(0, limits.rowLimit),
				truncated: result.rows.length > limits.rowLimit,
				elapsedMs: Math.round(performance.now() - started)
			};
		} catch (error) {
			throw queryProblem(error, limits.timeoutMs);
		} finally {
			await client.query('rollback').catch(() => undefined);
			await client.end().catch(() => undefined);
		}
	}
};
