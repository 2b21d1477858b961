/**
 * Integrations (integrations/service.ts, docs/integrations.md): list, connect, read, change,
 * delete, test the connection, and page through an integration's inbound events and replay one.
 * Reads need integrations.read, writes integrations.manage, for a person or an API key; SQL
 * decides. Secrets go in, never out: an integration's JSON names which secrets it holds.
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import {
	deleteIntegration,
	findIntegration,
	listEvents,
	listIntegrations,
	replayEvent,
	secretIds,
	type Integration,
	type IntegrationEvent
} from '../../integrations/queries';
import { connectIntegration, testIntegration, updateIntegration } from '../../integrations/service';
import { INTEGRATION_TYPES, TYPE_KEYS, type IntegrationType } from '../../../integrations/types';
import { endpoint } from '../endpoint';
import { ApiProblem } from '../problem';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Integrations';

const checkSchema = z
	.object({ name: z.string(), ok: z.boolean(), detail: z.string() })
	.meta({ id: 'IntegrationCheck' });

export const integrationSchema = z
	.object({
		id: z.uuid(),
		type: z.enum(TYPE_KEYS as [IntegrationType, ...IntegrationType[]]),
		name: z.string(),
		project_id: z.uuid().nullable(),
		environment_id: z.uuid().nullable(),
		config: z.record(z.string(), z.string()),
		secrets: z
			.array(z.string())
			.meta({ description: 'The names of the secrets it holds (never their values).' }),
		status: z.enum(['connected', 'error', 'disconnected']),
		last_error: z.string().nullable(),
		last_checked_at: timestamp.nullable(),
		last_synced_at: timestamp.nullable(),
		inbound_url: z
			.string()
			.nullable()
			.meta({ description: 'Where the provider sends its events (null: the type takes none).' }),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'Integration' });

export const integrationEventSchema = z
	.object({
		id: z.uuid(),
		delivery_id: z.string(),
		provider_event: z.string(),
		status: z.enum(['queued', 'processed', 'failed']),
		attempts: z.int(),
		error: z.string().nullable(),
		summary: z.string().nullable(),
		replays: z.int(),
		received_at: timestamp,
		processed_at: timestamp.nullable()
	})
	.meta({ id: 'IntegrationEvent' });

export function inboundUrl(
	publicUrl: string,
	integration: Pick<Integration, 'id' | 'type'>
): string | null {
	return INTEGRATION_TYPES[integration.type].inbound
		? `${publicUrl.replace(/\/+$/, '')}/api/inbound/integrations/${integration.id}`
		: null;
}

async function integrationJson(
	trx: Transaction<DB>,
	i: Integration
): Promise<z.infer<typeof integrationSchema>> {
	const { config } = await ensureRuntime();
	return {
		id: i.id,
		type: i.type,
		name: i.name,
		project_id: i.projectId,
		environment_id: i.environmentId,
		config: i.config,
		secrets: Object.keys(await secretIds(trx, i.id)).sort(),
		status: i.status,
		last_error: i.lastError,
		last_checked_at: iso(i.lastCheckedAt),
		last_synced_at: iso(i.lastSyncedAt),
		inbound_url: inboundUrl(config.PUBLIC_URL, i),
		created_at: iso(i.createdAt),
		updated_at: iso(i.updatedAt)
	};
}

function eventJson(e: IntegrationEvent): z.infer<typeof integrationEventSchema> {
	return {
		id: e.id,
		delivery_id: e.deliveryId,
		provider_event: e.providerEvent,
		status: e.status,
		attempts: e.attempts,
		error: e.error,
		summary: e.summary,
		replays: e.replays,
		received_at: iso(e.receivedAt),
		processed_at: iso(e.processedAt)
	};
}

async function visible(trx: Transaction<DB>, tenantId: string, id: string): Promise<Integration> {
	return (await findIntegration(trx, id, tenantId)) ?? notFound('integration');
}

/** Validates a type's configuration and secrets with its zod schemas, as TN220 about body.<field>. */
function parsed<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
	const result = schema.safeParse(value ?? {});
	if (result.success) return result.data;
	const errors = result.error.issues.map((issue) => ({
		field: [prefix, ...issue.path.map(String)].join('.'),
		message: issue.message
	}));
	throw new ApiProblem('TN220', `${errors[0]!.field}: ${errors[0]!.message}`, { errors });
}

/** New values for some of a type's secrets (an update gives only those it changes). */
function knownSecrets(
	type: IntegrationType,
	secrets: Record<string, string>
): Record<string, string> {
	const names = INTEGRATION_TYPES[type].secrets.map((s) => s.name);
	const errors = Object.entries(secrets).flatMap(([name, value]) =>
		!names.includes(name)
			? [{ field: `body.secrets.${name}`, message: `A ${type} integration has no secret ${name}.` }]
			: value.trim() === ''
				? [
						{
							field: `body.secrets.${name}`,
							message: 'Give the new value, or leave the secret out.'
						}
					]
				: []
	);
	if (errors.length)
		throw new ApiProblem('TN220', `${errors[0]!.field}: ${errors[0]!.message}`, { errors });
	return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, v.trim()]));
}

const integrationParams = z.object({ integration: uuid('integration') });
const eventParams = z.object({ integration: uuid('integration'), event: uuid('inbound event') });
const strings = z.record(z.string(), z.string());
const testResultSchema = z
	.object({ ok: z.boolean(), checks: z.array(checkSchema), integration: integrationSchema })
	.meta({ id: 'IntegrationTestResult' });

export const listIntegrationsEndpoint = listEndpoint(
	{
		path: '/integrations',
		operationId: 'listIntegrations',
		summary: 'Integrations (integrations.read)',
		tag: TAG,
		item: integrationSchema,
		pageId: 'IntegrationPage'
	},
	async ({ trx, tenant }) =>
		Promise.all((await listIntegrations(trx, tenant.id)).map((i) => integrationJson(trx, i))),
	(i) => i.id
);

export const createIntegrationEndpoint = endpoint(
	{
		method: 'POST',
		path: '/integrations',
		operationId: 'createIntegration',
		summary:
			'Connect an integration: its settings and secrets, then the connection test (integrations.manage)',
		tag: TAG,
		body: z
			.object({
				type: z.enum(TYPE_KEYS as [IntegrationType, ...IntegrationType[]]),
				name: z.string().trim().min(1).max(100),
				project_id: z.uuid().nullable().default(null),
				environment_id: z.uuid().nullable().default(null),
				config: strings.default({}),
				secrets: strings.default({}).meta({
					description:
						'The type’s secrets by name; a signing secret left out is made (and returned once).'
				})
			})
			.strict()
			.meta({ id: 'IntegrationCreate' }),
		response: testResultSchema.extend({
			generated_secrets: strings.meta({ description: 'Secrets Tenantry made, shown this once.' })
		}),
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const spec = INTEGRATION_TYPES[body.type];
		const { config } = await ensureRuntime();
		const result = await connectIntegration(trx, config, {
			tenantId: tenant.id,
			type: body.type,
			name: body.name,
			config: parsed(spec.config, body.config, 'body.config'),
			secrets: parsed(spec.secretValues, body.secrets, 'body.secrets'),
			projectId: body.project_id,
			environmentId: body.environment_id
		});
		return {
			ok: result.test.ok,
			checks: result.test.checks,
			integration: await integrationJson(trx, result.integration),
			generated_secrets: result.generated
		};
	}
);

export const getIntegration = endpoint(
	{
		method: 'GET',
		path: '/integrations/{integration}',
		operationId: 'getIntegration',
		summary: 'An integration (integrations.read)',
		tag: TAG,
		params: integrationParams,
		response: integrationSchema
	},
	async ({ trx, tenant, params }) =>
		integrationJson(trx, await visible(trx, tenant.id, params.integration))
);

export const updateIntegrationEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/integrations/{integration}',
		operationId: 'updateIntegration',
		summary:
			'Rename or reconfigure an integration, or give it new secret versions (integrations.manage)',
		tag: TAG,
		params: integrationParams,
		body: z
			.object({
				name: z.string().trim().min(1).max(100).optional(),
				config: strings.optional(),
				secrets: strings.optional()
			})
			.strict()
			.meta({ id: 'IntegrationUpdate' }),
		response: integrationSchema
	},
	async ({ trx, tenant, params, body }) => {
		const current = await visible(trx, tenant.id, params.integration);
		const spec = INTEGRATION_TYPES[current.type];
		const { config } = await ensureRuntime();
		await updateIntegration(trx, config, current, {
			name: body.name ?? current.name,
			config:
				body.config === undefined
					? current.config
					: parsed(spec.config, body.config, 'body.config'),
			secrets: knownSecrets(current.type, body.secrets ?? {})
		});
		return integrationJson(trx, await visible(trx, tenant.id, current.id));
	}
);

export const deleteIntegrationEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/integrations/{integration}',
		operationId: 'deleteIntegration',
		summary: 'Delete an integration with its secrets, events and caches (integrations.manage)',
		tag: TAG,
		params: integrationParams
	},
	async ({ trx, tenant, params }) => {
		await deleteIntegration(trx, (await visible(trx, tenant.id, params.integration)).id);
	}
);

export const testIntegrationEndpoint = endpoint(
	{
		method: 'POST',
		path: '/integrations/{integration}/test',
		operationId: 'testIntegration',
		summary: 'Test the connection now and record the result (integrations.manage)',
		tag: TAG,
		params: integrationParams,
		response: testResultSchema
	},
	async ({ trx, tenant, params }) => {
		const current = await visible(trx, tenant.id, params.integration);
		const test = await testIntegration(trx, (await ensureRuntime()).config, current);
		return {
			...test,
			integration: await integrationJson(trx, await visible(trx, tenant.id, current.id))
		};
	}
);

export const listIntegrationEventsEndpoint = listEndpoint(
	{
		path: '/integrations/{integration}/events',
		operationId: 'listIntegrationEvents',
		summary: 'An integration’s latest inbound events, newest first (integrations.read)',
		tag: TAG,
		item: integrationEventSchema,
		pageId: 'IntegrationEventPage',
		params: integrationParams
	},
	async ({ trx, tenant, params }) =>
		(await listEvents(trx, (await visible(trx, tenant.id, params.integration)).id, 200)).map(
			eventJson
		),
	// Newest first: the key sorts later receipts before earlier ones.
	(e) => `${String(9e15 - Date.parse(e.received_at)).padStart(16, '0')} ${e.id}`
);

export const replayIntegrationEventEndpoint = endpoint(
	{
		method: 'POST',
		path: '/integrations/{integration}/events/{event}/replay',
		operationId: 'replayIntegrationEvent',
		summary: 'Process an inbound event again (integrations.manage)',
		tag: TAG,
		params: eventParams,
		response: integrationEventSchema
	},
	async ({ trx, tenant, params }) => {
		const current = await visible(trx, tenant.id, params.integration);
		const events = await listEvents(trx, current.id, 200);
		if (!events.some((e) => e.id === params.event)) notFound('inbound event');
		await replayEvent(trx, params.event);
		const replayed = (await listEvents(trx, current.id, 200)).find((e) => e.id === params.event)!;
		return eventJson(replayed);
	}
);
