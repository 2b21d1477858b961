/**
 * Data sources (bi/sources, docs/data-sources.md): list and read (dashboards.read or
 * data_sources.manage), create, test and delete (data_sources.manage). The credential — a
 * Postgres password, an HTTP source's header value — is write-only: it is accepted on create,
 * stored as the source's owned secret and never returned; a source says only whether it has one.
 * SQL decides; another tenant's ids are a 404.
 */
import { z } from 'zod';
import { ensureRuntime } from '../../platform/runtime';
import {
	createSource,
	deleteSource,
	getSource,
	listSources,
	testSource,
	type DataSource
} from '../../bi/sources';
import { sourceSchema } from '../../bi/sources/schemas';
import { endpoint } from '../endpoint';
import { ApiProblem } from '../problem';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Data sources';

const limits = {
	row_limit: z
		.int()
		.min(1)
		.max(10_000)
		.default(1000)
		.meta({ description: 'At most this many rows per query.' }),
	timeout_ms: z
		.int()
		.min(100)
		.max(30_000)
		.default(5000)
		.meta({ description: 'The connect and statement timeout, in milliseconds.' })
};
const name = z
	.string()
	.trim()
	.min(1)
	.max(100)
	.meta({ description: 'Unique in the organisation, whatever the case.' });

const postgresCreate = z
	.object({
		kind: z.literal('postgres'),
		name,
		host: z.string().trim().min(1).max(255),
		port: z.int().min(1).max(65535).default(5432),
		database: z.string().trim().min(1).max(63),
		user: z.string().trim().min(1).max(63),
		ssl: z.enum(['disable', 'require']).default('require'),
		password: z.string().max(4000).optional().meta({
			description: 'Write-only: stored encrypted as the source’s own secret, never returned.',
			writeOnly: true
		}),
		...limits
	})
	.strict()
	.meta({ id: 'PostgresDataSourceCreate' });

const httpCreate = z
	.object({
		kind: z.literal('http_json'),
		name,
		url: z
			.string()
			.trim()
			.min(1)
			.max(500)
			.meta({ description: 'http(s)://host/path, no user, query or fragment.' }),
		records_path: z
			.string()
			.trim()
			.default('$')
			.meta({ description: 'Where the array of records is: $, $.data.items.' }),
		auth_header: z.string().trim().max(63).nullable().default(null).meta({
			description: 'The header the token is sent in (e.g. Authorization); null: none.'
		}),
		token: z.string().max(4000).optional().meta({
			description:
				'Write-only: the header’s value, stored encrypted as the source’s own secret, never returned.',
			writeOnly: true
		}),
		...limits
	})
	.strict()
	.meta({ id: 'HttpJsonDataSourceCreate' });

export const dataSourceSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		kind: z.enum(['postgres', 'http_json']),
		config: z.record(z.string(), z.unknown()).meta({
			description:
				'Where it connects, never a credential: postgres {host, port, database, user, ssl}; http_json {url, records_path, auth_header}.'
		}),
		has_credential: z
			.boolean()
			.meta({ description: 'Whether a password or token is stored (it is never returned).' }),
		row_limit: z.int(),
		timeout_ms: z.int(),
		last_check: z
			.object({ at: timestamp, ok: z.boolean(), message: z.string() })
			.nullable()
			.meta({ description: 'The last connection test.' }),
		created_at: timestamp
	})
	.meta({ id: 'DataSource' });

export function sourceJson(s: DataSource): z.infer<typeof dataSourceSchema> {
	return {
		id: s.id,
		name: s.name,
		kind: s.kind,
		config: s.config as unknown as Record<string, unknown>,
		has_credential: s.hasCredential,
		row_limit: s.rowLimit,
		timeout_ms: s.timeoutMs,
		last_check:
			s.lastCheckedAt === null
				? null
				: {
						at: iso(s.lastCheckedAt),
						ok: s.lastCheckOk ?? false,
						message: s.lastCheckMessage ?? ''
					},
		created_at: iso(s.createdAt)
	};
}

const sourceParams = z.object({ source: uuid('data source') });

export const listDataSourcesEndpoint = listEndpoint(
	{
		path: '/data-sources',
		operationId: 'listDataSources',
		summary: 'Data sources, by name, without credentials (dashboards.read or data_sources.manage)',
		tag: TAG,
		item: dataSourceSchema,
		pageId: 'DataSourcePage'
	},
	async ({ trx, tenant }) => (await listSources(trx, tenant.id)).map(sourceJson),
	(s) => s.id
);

export const createDataSourceEndpoint = endpoint(
	{
		method: 'POST',
		path: '/data-sources',
		operationId: 'createDataSource',
		summary:
			'Add an external Postgres or HTTP JSON source; its credential is write-only (data_sources.manage)',
		tag: TAG,
		body: z
			.discriminatedUnion('kind', [postgresCreate, httpCreate])
			.meta({ id: 'DataSourceCreate' }),
		response: dataSourceSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const input =
			body.kind === 'postgres'
				? {
						...body,
						password: body.password ?? '',
						rowLimit: body.row_limit,
						timeoutMs: body.timeout_ms
					}
				: {
						kind: body.kind,
						name: body.name,
						url: body.url,
						recordsPath: body.records_path,
						authHeader: body.auth_header ?? '',
						secretValue: body.token ?? '',
						rowLimit: body.row_limit,
						timeoutMs: body.timeout_ms
					};
		const parsed = sourceSchema.safeParse(input);
		if (!parsed.success) {
			const errors = parsed.error.issues.map((i) => ({
				field: `body.${String(i.path[0] ?? '')}`,
				message: i.message
			}));
			throw new ApiProblem('TN220', errors.map((e) => `${e.field}: ${e.message}`).join(' '), {
				errors
			});
		}
		const config = (await ensureRuntime()).config;
		const id = await createSource(trx, config, tenant.id, parsed.data);
		return sourceJson((await getSource(trx, tenant.id, id)) ?? notFound('data source'));
	}
);

export const getDataSourceEndpoint = endpoint(
	{
		method: 'GET',
		path: '/data-sources/{source}',
		operationId: 'getDataSource',
		summary: 'A data source, without its credential (dashboards.read or data_sources.manage)',
		tag: TAG,
		params: sourceParams,
		response: dataSourceSchema
	},
	async ({ trx, tenant, params }) =>
		sourceJson((await getSource(trx, tenant.id, params.source)) ?? notFound('data source'))
);

export const testDataSourceEndpoint = endpoint(
	{
		method: 'POST',
		path: '/data-sources/{source}/test',
		operationId: 'testDataSource',
		summary: 'Connect as a query would and record the result (data_sources.manage)',
		tag: TAG,
		params: sourceParams,
		response: z.object({ ok: z.boolean(), message: z.string() }).meta({ id: 'DataSourceTest' })
	},
	async ({ trx, tenant, params }) => {
		const config = (await ensureRuntime()).config;
		return (await testSource(trx, config, tenant.id, params.source)) ?? notFound('data source');
	}
);

export const deleteDataSourceEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/data-sources/{source}',
		operationId: 'deleteDataSource',
		summary:
			'Delete a source with its credential and the saved queries over it (data_sources.manage)',
		tag: TAG,
		params: sourceParams
	},
	async ({ trx, tenant, params }) => {
		const source = (await getSource(trx, tenant.id, params.source)) ?? notFound('data source');
		if (!(await deleteSource(trx, tenant.id, source.id)))
			throw Object.assign(new Error('needs data_sources.manage'), { code: 'TN002' });
	}
);
