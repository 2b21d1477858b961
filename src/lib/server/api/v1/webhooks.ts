/**
 * Webhook endpoints and their deliveries (webhooks/queries.ts, docs/webhooks.md): list, create,
 * read, change (including on/off), delete, rotate the signing secret, reveal it (audited), send a
 * test event, page through the delivery log, read a delivery with its attempts, replay it.
 * webhooks.manage, for a person or an API key; SQL decides. Another tenant's ids are a 404.
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import {
	deleteEndpoint,
	findDelivery,
	findEndpoint,
	listDeliveries,
	listEndpoints,
	replayDelivery,
	sendTestEvent,
	setEndpointEnabled,
	updateEndpoint,
	webhookMessageId,
	type WebhookDelivery,
	type WebhookEndpoint
} from '../../webhooks/queries';
import { apiOverlap, apiRateLimit, urlProblem } from '../../webhooks/schemas';
import { destinationProblem } from '../../webhooks/destination';
import { createWithSecret, reveal, rotate, webhookConfig } from '../../webhooks/service';
import { MAX_DESCRIPTION, MAX_URL } from '../../../webhooks/options';
import { endpoint } from '../endpoint';
import { badCursor, decodeCursor, encodeCursor, pageOf, pageQuery } from '../paging';
import { ApiProblem } from '../problem';
import { iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Webhooks';

export const webhookEndpointSchema = z
	.object({
		id: z.uuid(),
		url: z.string(),
		description: z.string(),
		event_types: z
			.array(z.string())
			.meta({ description: 'The event types sent to it; empty: every type, later ones too.' }),
		enabled: z.boolean(),
		rate_limit_per_second: z.int().nullable(),
		disabled_reason: z.enum(['manual', 'gone', 'failing']).nullable().meta({
			description: 'Why it is off: by hand, the receiver answered 410, or it failed for days.'
		}),
		disabled_at: timestamp.nullable(),
		failing_since: timestamp.nullable(),
		success_rate: z.number().nullable().meta({
			description:
				'Attempts answered 2xx of all attempts in the last 7 days (0–1); null without attempts.'
		}),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'WebhookEndpoint' });

const attemptSchema = z
	.object({
		attempt: z.int(),
		started_at: timestamp,
		duration_ms: z.int(),
		status_code: z.int().nullable(),
		error: z.string().nullable(),
		request_headers: z.record(z.string(), z.string()),
		response_headers: z.record(z.string(), z.string()).nullable(),
		response_body: z.string().nullable().meta({ description: 'The first KB of the response.' })
	})
	.meta({ id: 'WebhookAttempt' });

export const webhookDeliverySchema = z
	.object({
		id: z.uuid(),
		endpoint_id: z.uuid(),
		event_id: z.uuid(),
		event_type: z.string(),
		webhook_id: z
			.string()
			.meta({ description: 'The webhook-id header: the same on every attempt.' }),
		status: z.enum(['pending', 'succeeded', 'failed']),
		attempts: z.int(),
		next_attempt_at: timestamp,
		last_status_code: z.int().nullable(),
		last_error: z.string().nullable(),
		created_at: timestamp,
		completed_at: timestamp.nullable()
	})
	.meta({ id: 'WebhookDelivery' });

export const webhookDeliveryDetailSchema = webhookDeliverySchema
	.extend({
		body: z.string().meta({ description: 'The exact bytes POSTed on every attempt.' }),
		attempts_made: z.array(attemptSchema).meta({ description: 'Every attempt, first first.' })
	})
	.meta({ id: 'WebhookDeliveryDetail' });

function endpointJson(e: WebhookEndpoint): z.infer<typeof webhookEndpointSchema> {
	return {
		id: e.id,
		url: e.url,
		description: e.description,
		event_types: e.eventTypes,
		enabled: e.enabled,
		rate_limit_per_second: e.rateLimit,
		disabled_reason: e.disabledReason,
		disabled_at: iso(e.disabledAt),
		failing_since: iso(e.failingSince),
		success_rate: e.successRate,
		created_at: iso(e.createdAt),
		updated_at: iso(e.updatedAt)
	};
}

function deliveryJson(d: WebhookDelivery): z.infer<typeof webhookDeliverySchema> {
	return {
		id: d.id,
		endpoint_id: d.endpointId,
		event_id: d.eventId,
		event_type: d.eventType,
		webhook_id: webhookMessageId(d.eventId),
		status: d.status,
		attempts: d.attempts,
		next_attempt_at: iso(d.nextAttemptAt),
		last_status_code: d.lastStatusCode,
		last_error: d.lastError,
		created_at: iso(d.createdAt),
		completed_at: iso(d.completedAt)
	};
}

function deliveryDetailJson(d: WebhookDelivery): z.infer<typeof webhookDeliveryDetailSchema> {
	return {
		...deliveryJson(d),
		body: d.body,
		attempts_made: d.tries.map((a) => ({
			attempt: a.attempt,
			started_at: iso(a.startedAt),
			duration_ms: a.durationMs,
			status_code: a.statusCode,
			error: a.error,
			request_headers: a.requestHeaders,
			response_headers: a.responseHeaders,
			response_body: a.responseBody
		}))
	};
}

async function visibleEndpoint(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findEndpoint(trx, tenantId, id)) ?? notFound('webhook endpoint');
}

async function visibleDelivery(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findDelivery(trx, tenantId, id)) ?? notFound('webhook delivery');
}

/** The URL's form, then where it points (the SSRF guard), as a TN220 about body.url. */
async function checkedUrl(url: string): Promise<string> {
	const allowLoopback = (await webhookConfig()).WEBHOOK_ALLOW_LOOPBACK;
	const problem = urlProblem(url, allowLoopback) ?? (await destinationProblem(url, allowLoopback));
	if (problem) {
		throw new ApiProblem('TN220', `body.url: ${problem}`, {
			errors: [{ field: 'body.url', message: problem }]
		});
	}
	return url;
}

const endpointParams = z.object({ endpoint: uuid('webhook endpoint') });
const deliveryParams = z.object({ delivery: uuid('webhook delivery') });

const url = z.string().trim().min(1).max(MAX_URL).meta({
	description: 'https (http and loopback only with WEBHOOK_ALLOW_LOOPBACK); no credentials.'
});
const description = z.string().trim().max(MAX_DESCRIPTION);
const eventTypes = z.array(z.string().max(100)).max(200);

export const listWebhookEndpoints = listEndpoint(
	{
		path: '/webhooks',
		operationId: 'listWebhookEndpoints',
		summary: 'Webhook endpoints (webhooks.manage)',
		tag: TAG,
		item: webhookEndpointSchema,
		pageId: 'WebhookEndpointPage'
	},
	async ({ trx, tenant }) => (await listEndpoints(trx, tenant.id)).map(endpointJson),
	(e) => e.id
);

export const createWebhookEndpoint = endpoint(
	{
		method: 'POST',
		path: '/webhooks',
		operationId: 'createWebhookEndpoint',
		summary: 'Add a webhook endpoint with a new signing secret (webhooks.manage)',
		tag: TAG,
		body: z
			.object({
				url,
				description: description.default(''),
				event_types: eventTypes.default([]),
				rate_limit_per_second: apiRateLimit.default(null)
			})
			.strict()
			.meta({ id: 'WebhookEndpointCreate' }),
		response: webhookEndpointSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const id = await createWithSecret(trx, await webhookConfig(), tenant.id, {
			url: await checkedUrl(body.url),
			description: body.description,
			eventTypes: body.event_types,
			rateLimit: body.rate_limit_per_second
		});
		return endpointJson(await visibleEndpoint(trx, tenant.id, id));
	}
);

export const getWebhookEndpoint = endpoint(
	{
		method: 'GET',
		path: '/webhooks/{endpoint}',
		operationId: 'getWebhookEndpoint',
		summary: 'A webhook endpoint (webhooks.manage)',
		tag: TAG,
		params: endpointParams,
		response: webhookEndpointSchema
	},
	async ({ trx, tenant, params }) =>
		endpointJson(await visibleEndpoint(trx, tenant.id, params.endpoint))
);

export const updateWebhookEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/webhooks/{endpoint}',
		operationId: 'updateWebhookEndpoint',
		summary: 'Change a webhook endpoint, or turn it on or off (webhooks.manage)',
		tag: TAG,
		params: endpointParams,
		body: z
			.object({
				url: url.optional(),
				description: description.optional(),
				event_types: eventTypes.optional(),
				rate_limit_per_second: apiRateLimit.optional(),
				enabled: z.boolean().optional().meta({
					description: 'Turning it on clears why it was off; off gives up its pending deliveries.'
				})
			})
			.strict()
			.meta({ id: 'WebhookEndpointUpdate' }),
		response: webhookEndpointSchema
	},
	async ({ trx, tenant, params, body }) => {
		const current = await visibleEndpoint(trx, tenant.id, params.endpoint);
		const { enabled, ...settings } = body;
		if (Object.keys(settings).length > 0) {
			await updateEndpoint(trx, current.id, {
				url: body.url === undefined ? current.url : await checkedUrl(body.url),
				description: body.description ?? current.description,
				eventTypes: body.event_types ?? current.eventTypes,
				rateLimit:
					body.rate_limit_per_second === undefined ? current.rateLimit : body.rate_limit_per_second
			});
		}
		if (enabled !== undefined) await setEndpointEnabled(trx, current.id, enabled);
		return endpointJson(await visibleEndpoint(trx, tenant.id, current.id));
	}
);

export const deleteWebhookEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/webhooks/{endpoint}',
		operationId: 'deleteWebhookEndpoint',
		summary: 'Delete a webhook endpoint with its secrets and deliveries (webhooks.manage)',
		tag: TAG,
		params: endpointParams
	},
	async ({ trx, tenant, params }) => {
		await deleteEndpoint(trx, (await visibleEndpoint(trx, tenant.id, params.endpoint)).id);
	}
);

export const rotateWebhookSecret = endpoint(
	{
		method: 'POST',
		path: '/webhooks/{endpoint}/rotate-secret',
		operationId: 'rotateWebhookSecret',
		summary: 'Rotate the signing secret; the old one still signs for the overlap (webhooks.manage)',
		tag: TAG,
		params: endpointParams,
		body: z
			.object({ overlap_seconds: apiOverlap.default(86400) })
			.strict()
			.meta({ id: 'WebhookSecretRotate' }),
		response: z
			.object({
				previous_secret_expires_at: timestamp.meta({
					description: 'Until then both secrets sign (two signatures are sent).'
				})
			})
			.meta({ id: 'WebhookSecretRotated' })
	},
	async ({ trx, tenant, params, body }) => {
		const current = await visibleEndpoint(trx, tenant.id, params.endpoint);
		const expires = await rotate(
			trx,
			await webhookConfig(),
			{ id: current.id, tenantId: tenant.id },
			body.overlap_seconds
		);
		return { previous_secret_expires_at: iso(expires) };
	}
);

export const revealWebhookSecret = endpoint(
	{
		method: 'GET',
		path: '/webhooks/{endpoint}/secret',
		operationId: 'revealWebhookSecret',
		summary: 'The current signing secret (webhooks.manage; every reveal is audited)',
		tag: TAG,
		params: endpointParams,
		response: z
			.object({
				secret: z.string().meta({ description: '`whsec_` and base64 of 32 random bytes.' })
			})
			.meta({ id: 'WebhookSecret' })
	},
	async ({ trx, tenant, params }) => {
		const current = await visibleEndpoint(trx, tenant.id, params.endpoint);
		return { secret: await reveal(trx, await webhookConfig(), current.id) };
	}
);

export const sendWebhookTest = endpoint(
	{
		method: 'POST',
		path: '/webhooks/{endpoint}/test',
		operationId: 'sendWebhookTest',
		summary: 'Send a webhook.test event to this endpoint only (webhooks.manage)',
		tag: TAG,
		params: endpointParams,
		response: webhookDeliverySchema,
		status: 201
	},
	async ({ trx, tenant, params }) => {
		const current = await visibleEndpoint(trx, tenant.id, params.endpoint);
		const id = await sendTestEvent(trx, current.id);
		return deliveryJson(await visibleDelivery(trx, tenant.id, id));
	}
);

const deliveryCursor = z.object({ at: z.iso.datetime(), id: z.uuid() });

export const listWebhookDeliveries = endpoint(
	{
		method: 'GET',
		path: '/webhooks/{endpoint}/deliveries',
		operationId: 'listWebhookDeliveries',
		summary: "An endpoint's deliveries, newest first (webhooks.manage)",
		tag: TAG,
		params: endpointParams,
		query: pageQuery,
		response: pageOf(webhookDeliverySchema, 'WebhookDeliveryPage')
	},
	async ({ trx, tenant, params, query }) => {
		const current = await visibleEndpoint(trx, tenant.id, params.endpoint);
		let before = null;
		if (query.cursor !== undefined) {
			const [at, id] = decodeCursor(query.cursor).split(' ');
			const parsed = deliveryCursor.safeParse({ at, id });
			if (!parsed.success) badCursor();
			before = parsed.data;
		}
		const page = await listDeliveries(trx, tenant.id, current.id, { limit: query.limit, before });
		const last = page.rows.at(-1);
		return {
			data: page.rows.map(deliveryJson),
			next_cursor: page.more && last ? encodeCursor(`${last.cursor.at} ${last.cursor.id}`) : null
		};
	}
);

export const getWebhookDelivery = endpoint(
	{
		method: 'GET',
		path: '/webhook-deliveries/{delivery}',
		operationId: 'getWebhookDelivery',
		summary: 'A delivery with its body and every attempt (webhooks.manage)',
		tag: TAG,
		params: deliveryParams,
		response: webhookDeliveryDetailSchema
	},
	async ({ trx, tenant, params }) =>
		deliveryDetailJson(await visibleDelivery(trx, tenant.id, params.delivery))
);

export const replayWebhookDelivery = endpoint(
	{
		method: 'POST',
		path: '/webhook-deliveries/{delivery}/replay',
		operationId: 'replayWebhookDelivery',
		summary: 'Send a delivery again now, with the same body and webhook-id (webhooks.manage)',
		tag: TAG,
		params: deliveryParams,
		response: webhookDeliverySchema
	},
	async ({ trx, tenant, params }) => {
		const current = await visibleDelivery(trx, tenant.id, params.delivery);
		await replayDelivery(trx, current.id);
		return deliveryJson(await visibleDelivery(trx, tenant.id, current.id));
	}
);
