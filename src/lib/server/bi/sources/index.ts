/**
 * Data sources in the caller's transaction (docs/data-sources.md): RLS decides who sees
 * (dashboards.read, data_sources.manage) and who writes (data_sources.manage); the credential is
 * the source's owned secret, opened only for a connection — as the bi.data_source system job once
 * RLS has shown the caller the source — and never returned.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import { asSystemJobWithin } from '../../ai/system';
import { createSecret, useSecret, type SecretsConfig } from '../../secrets/service';
import { defineList, listPage, type ListPage, type ListParams } from '../../platform/list';
import { bindParameters } from '../run';
import { PARAMETER_TYPES, type QueryParameter } from '$lib/bi/parameters';
import { httpJsonDriver } from './http-json';
import { postgresDriver } from './postgres';
import type { SourceInput } from './schemas';
import {
	SourceError,
	type BoundParameter,
	type Driver,
	type SourceConfig,
	type SourceKind,
	type SourceResult
} from './types';

export { SourceError } from './types';

/** The drivers by kind: a new kind adds its driver here (and to the migration's check). */
export const DRIVERS: Record<SourceKind, Driver> = {
	postgres: postgresDriver as Driver,
	http_json: httpJsonDriver as Driver
};

const CONNECT_JOB = 'bi.data_source';

export interface DataSourcesConfig extends SecretsConfig {
	WEBHOOK_ALLOW_LOOPBACK: boolean;
}

/** A source as anyone who may see it sees it: never its credential, only whether it has one. */
export interface DataSource {
	id: string;
	name: string;
	kind: SourceKind;
	config: SourceConfig;
	hasCredential: boolean;
	rowLimit: number;
	timeoutMs: number;
	lastCheckedAt: string | null;
	lastCheckOk: boolean | null;
	lastCheckMessage: string | null;
	createdAt: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

function toSource(r: Record<string, unknown>): DataSource {
	return {
		id: String(r.id),
		name: String(r.name),
		kind: r.kind as SourceKind,
		config: r.config as SourceConfig,
		hasCredential: r.secret_id !== null,
		rowLimit: Number(r.row_limit),
		timeoutMs: Number(r.timeout_ms),
		lastCheckedAt: r.last_checked_at ? iso(r.last_checked_at) : null,
		lastCheckOk: (r.last_check_ok as boolean | null) ?? null,
		lastCheckMessage: (r.last_check_message as string | null) ?? null,
		createdAt: iso(r.created_at)
	};
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function listSources(trx: Transaction<DB>, tenantId: string): Promise<DataSource[]> {
	const { rows } = await sql<Record<string, unknown>>`
		select * from public.data_sources where tenant_id = ${tenantId} order by lower(name)`.execute(trx);
	return rows.map(toSource);
}

/** The page's list: search by name, kind and host or URL; sort by name or creation. */
export const SOURCE_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		created: { column: 'created_at', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'kind', 'target'],
	id: { column: 'id', type: 'uuid' }
});

export async function pageSources(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<DataSource>> {
	const page = await listPage(
		trx,
		trx
			.selectFrom('data_sources')
			.selectAll()
			.select(sql<string>`coalesce(config ->> 'host', config ->> 'url')`.as('target'))
			.where('tenant_id', '=', tenantId),
		SOURCE_LIST,
		params
	);
	return { ...page, rows: page.rows.map((r) => toSource(r as Record<string, unknown>)) };
}

/** A source of the tenant, or null when RLS hides it (or there is none). */
export async function getSource(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<(DataSource & { secretId: string | null }) | null> {
	if (!UUID.test(id)) return null;
	const { rows } = await sql<Record<string, unknown>>`
		select * from public.data_sources where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(trx);
	return rows[0] ? { ...toSource(rows[0]), secretId: (rows[0].secret_id as string) ?? null } : null;
}

function configOf(input: SourceInput): { config: SourceConfig; secret: string } {
	if (input.kind === 'postgres') {
		const { host, port, database, user, ssl, password } = input;
		return { config: { host, port, database, user, ssl }, secret: password };
	}
	return {
		config: {
			url: input.url,
			records_path: input.recordsPath,
			auth_header: input.authHeader || null
		},
		secret: input.secretValue
	};
}

/** Adds a source and, when one is given, its credential as the source's owned secret. */
export async function createSource(
	trx: Transaction<DB>,
	config: SecretsConfig,
	tenantId: string,
	input: SourceInput
): Promise<string> {
	const { config: sourceConfig, secret } = configOf(input);
	const { rows } = await sql<{ id: string }>`
		insert into public.data_sources (tenant_id, name, kind, config, row_limit, timeout_ms)
		values (${tenantId}, ${input.name}, ${input.kind}, ${JSON.stringify(sourceConfig)}::jsonb,
			${input.rowLimit}, ${input.timeoutMs}) returning id`.execute(trx);
	const id = rows[0]!.id;
	if (secret) {
		const { secretId } = await createSecret(trx, config, {
			tenantId,
			name: input.kind === 'postgres' ? 'password' : 'token',
			format: 'opaque',
			value: secret,
			owner: { type: 'data_source', id }
		});
		await sql`update public.data_sources set secret_id = ${secretId} where id = ${id}`.execute(trx);
	}
	return id;
}

/** Deletes a source (its credential, its saved queries and their widgets go with it). */
export async function deleteSource(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	if (!UUID.test(id)) return false;
	const result =
		await sql`delete from public.data_sources where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(
			trx
		);
	return Number(result.numAffectedRows ?? 0) > 0;
}

async function connectionOf(
	trx: Transaction<DB>,
	config: DataSourcesConfig,
	tenantId: string,
	source: DataSource & { secretId: string | null },
	resolve?: (host: string) => Promise<string[]>
) {
	const secretId = source.secretId;
	const secret = secretId
		? await asSystemJobWithin(trx, CONNECT_JOB, () =>
				useSecret(trx, config, { tenantId, secretId })
			)
		: null;
	return { config: source.config, secret, allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, resolve };
}

/**
 * "Test connection": connects as a run would and records the result on the source (an update only
 * data_sources.manage may make). TN547 and the others become the recorded sentence.
 */
export async function testSource(
	trx: Transaction<DB>,
	config: DataSourcesConfig,
	tenantId: string,
	id: string,
	resolve?: (host: string) => Promise<string[]>
): Promise<{ ok: boolean; message: string } | null> {
	const source = await getSource(trx, tenantId, id);
	if (!source) return null;
	let outcome: { ok: boolean; message: string };
	try {
		const connection = await connectionOf(trx, config, tenantId, source, resolve);
		const message = await DRIVERS[source.kind].test(connection, {
			timeoutMs: source.timeoutMs,
			rowLimit: source.rowLimit
		});
		outcome = { ok: true, message };
	} catch (error) {
		if (!(error instanceof SourceError)) throw error;
		outcome = { ok: false, message: `${error.message} (${error.code})` };
	}
	const updated = await sql`update public.data_sources
		set last_checked_at = now(), last_check_ok = ${outcome.ok}, last_check_message = ${outcome.message.slice(0, 500)}
		where tenant_id = ${tenantId} and id = ${id}::uuid`.execute(trx);
	if (Number(updated.numAffectedRows ?? 0) === 0) {
		throw new SourceError('TN547', 'Testing a source needs the data_sources.manage permission.');
	}
	return outcome;
}

/** The declared parameters' values, typed, in their order ($1 … for SQL, names for HTTP). */
export function boundParameters(
	parameters: QueryParameter[],
	values: Record<string, unknown>
): BoundParameter[] {
	const bound = bindParameters(parameters, values);
	return parameters.map((p) => {
		const text = bound.get(p.name) ?? '';
		if (text === '') return { name: p.name, value: null };
		const parsed = PARAMETER_TYPES[p.type].parse(text);
		return { name: p.name, value: parsed };
	});
}

/**
 * Runs a saved query's text on its source for the caller: the source must be visible to them
 * (dashboards.read); the limits are the lower of the query's and the source's.
 */
export async function runOnSource(
	trx: Transaction<DB>,
	config: DataSourcesConfig,
	input: {
		tenantId: string;
		sourceId: string;
		text: string;
		parameters?: QueryParameter[];
		values?: Record<string, unknown>;
		rowLimit?: number;
		timeoutMs?: number;
		resolve?: (host: string) => Promise<string[]>;
	}
): Promise<SourceResult> {
	const source = await getSource(trx, input.tenantId, input.sourceId);
	if (!source) throw new SourceError('TN547', 'The data source is gone, or not yours to read.');
	const params = boundParameters(input.parameters ?? [], input.values ?? {});
	const connection = await connectionOf(trx, config, input.tenantId, source, input.resolve);
	return DRIVERS[source.kind].query(connection, input.text, params, {
		rowLimit: Math.min(input.rowLimit ?? source.rowLimit, source.rowLimit),
		timeoutMs: Math.min(input.timeoutMs ?? source.timeoutMs, source.timeoutMs)
	});
}

/** Saves a query over a source (queries.manage); an HTTP source's text is its records path. */
export async function createSourceQuery(
	trx: Transaction<DB>,
	tenantId: string,
	input: { source: string; name: string; text: string; parameters: QueryParameter[] }
): Promise<string> {
	const source = await getSource(trx, tenantId, input.source);
	if (!source) throw new SourceError('TN547', 'The data source is gone, or not yours to read.');
	if (
		source.kind === 'http_json' &&
		!/^\$(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$/.test(input.text.trim())
	) {
		throw new SourceError(
			'TN549',
			'A query over an HTTP source is a records path, like $.data.items.'
		);
	}
	const { rows } = await sql<{ id: string }>`
		insert into public.saved_queries (tenant_id, name, sql, parameters, data_source_id, row_limit, timeout_ms)
		values (${tenantId}, ${input.name}, ${input.text.trim()}, ${JSON.stringify(input.parameters)}::jsonb,
			${source.id}::uuid, ${source.rowLimit}, ${source.timeoutMs}) returning id`.execute(trx);
	return rows[0]!.id;
}
