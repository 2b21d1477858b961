/**
 * The inbound endpoint's work (POST /api/inbound/integrations/<id>, src/routes/api/inbound/…): find the
 * integration, verify the provider's signature with its signing secret over the raw body, answer
 * Slack's url_verification, then record the event once per delivery id and queue its processing
 * (public.receive_integration_event) — all in one transaction as the `integrations.inbound` system
 * job. A refused request writes nothing (its transaction rolls back, the secret's use included).
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { ensureRuntime } from '../platform/runtime';
import { BodyTooLargeError, readTextCapped } from '../platform/web/body';
import { useSecret } from '../secrets/service';
import { INTEGRATION_TYPES } from '../../integrations/types';
import { findIntegration, secretIds } from './queries';
import { verifyGitHub, verifySlack, verifyStandardWebhook, type Verdict } from './signatures';

/** The largest body taken (GitHub caps payloads at 25 MB; events the product uses are far smaller). */
export const MAX_INBOUND_BYTES = 256 * 1024;

export interface InboundAnswer {
	status: number;
	body: Record<string, unknown> | string;
}

class Refusal extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

const KEPT_HEADERS = [
	'content-type',
	'user-agent',
	'x-github-event',
	'x-github-delivery',
	'x-github-hook-id',
	'x-slack-request-timestamp',
	'x-slack-retry-num',
	'x-slack-retry-reason',
	'webhook-id',
	'webhook-timestamp'
];

function keptHeaders(headers: Headers): Record<string, string> {
	return Object.fromEntries(
		KEPT_HEADERS.flatMap((name) => {
			const value = headers.get(name);
			return value === null ? [] : [[name, value.slice(0, 500)]];
		})
	);
}

function parseJson(body: string): Record<string, unknown> {
	try {
		const parsed = JSON.parse(body) as unknown;
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
			return parsed as Record<string, unknown>;
	} catch {
		// answered below
	}
	throw new Refusal(400, 'The body is not a JSON object.');
}

interface Identified {
	deliveryId: string;
	providerEvent: string;
}

/** The delivery id and event name each provider sends. */
function identify(
	kind: 'github' | 'slack' | 'standard_webhooks',
	headers: Headers,
	json: Record<string, unknown>
): Identified {
	if (kind === 'github') {
		const deliveryId = headers.get('x-github-delivery');
		const event = headers.get('x-github-event');
		if (!deliveryId || !event)
			throw new Refusal(400, 'X-GitHub-Delivery and X-GitHub-Event are required.');
		const action = typeof json.action === 'string' ? `.${json.action}` : '';
		return { deliveryId, providerEvent: `${event}${action}` };
	}
	if (kind === 'slack') {
		const eventId = typeof json.event_id === 'string' ? json.event_id : null;
		const type = (json.event as { type?: unknown } | undefined)?.type;
		if (!eventId || typeof type !== 'string') {
			throw new Refusal(400, 'A Slack event_callback carries event_id and event.type.');
		}
		return { deliveryId: eventId, providerEvent: type };
	}
	return {
		deliveryId: headers.get('webhook-id') ?? '',
		providerEvent: typeof json.type === 'string' && json.type ? json.type : 'webhook'
	};
}

const SIGNING_SECRET = {
	github: 'webhook_secret',
	slack: 'signing_secret',
	standard_webhooks: 'signing_secret'
} as const;

async function verify(
	trx: Transaction<DB>,
	config: Config,
	integrationId: string,
	body: string,
	headers: Headers
): Promise<{ kind: 'github' | 'slack' | 'standard_webhooks'; tenantId: string }> {
	const integration = z.uuid().safeParse(integrationId).success
		? await findIntegration(trx, integrationId)
		: null;
	const kind = integration ? INTEGRATION_TYPES[integration.type].inbound : null;
	if (!integration || !kind)
		throw new Refusal(404, 'No such integration takes inbound events here.');
	if (integration.status === 'disconnected')
		throw new Refusal(410, 'This integration is disconnected.');
	const secretId = (await secretIds(trx, integration.id))[SIGNING_SECRET[kind]];
	if (!secretId)
		throw new Refusal(401, 'This integration has no signing secret: nothing can be verified.');
	const secret = await useSecret(trx, config, { tenantId: integration.tenantId, secretId });
	const verdict: Verdict =
		kind === 'github'
			? verifyGitHub(secret, body, headers)
			: kind === 'slack'
				? verifySlack(secret, body, headers)
				: verifyStandardWebhook(secret, body, headers);
	if (!verdict.ok) throw new Refusal(401, verdict.reason);
	return { kind, tenantId: integration.tenantId };
}

/** Verifies, records and queues one inbound request; the answer to send. */
export async function receiveInbound(
	db: Kysely<DB>,
	config: Config,
	integrationId: string,
	body: string,
	headers: Headers
): Promise<InboundAnswer> {
	try {
		return await runAsServiceRole(db, 'integrations.inbound', async (trx) => {
			const { kind } = await verify(trx, config, integrationId, body, headers);
			const json = parseJson(body);
			if (kind === 'slack' && json.type === 'url_verification') {
				// Slack's handshake when the Request URL is saved: echo the challenge, record nothing.
				return { status: 200, body: { challenge: String(json.challenge ?? '') } };
			}
			const { deliveryId, providerEvent } = identify(kind, headers, json);
			const { rows } = await sql<{ event_id: string; duplicate: boolean }>`
				select event_id, duplicate from public.receive_integration_event(
					${integrationId}::uuid, ${deliveryId}, ${providerEvent},
					${JSON.stringify(keptHeaders(headers))}::jsonb, ${body})`.execute(trx);
			return {
				status: rows[0]!.duplicate ? 200 : 202,
				body: { event_id: rows[0]!.event_id, duplicate: rows[0]!.duplicate }
			};
		});
	} catch (error) {
		if (error instanceof Refusal) return { status: error.status, body: { error: error.message } };
		const code = (error as { code?: string }).code;
		if (code === 'TN336')
			return { status: 410, body: { error: 'This integration is disconnected.' } };
		throw error;
	}
}

/** The route's whole work: the capped raw body, then receiveInbound, as a JSON (or 413) answer. */
export async function inboundResponse(request: Request, integrationId: string): Promise<Response> {
	let body: string;
	try {
		body = await readTextCapped(request, MAX_INBOUND_BYTES);
	} catch (error) {
		if (error instanceof BodyTooLargeError) {
			return Response.json(
				{ error: `The body is larger than ${MAX_INBOUND_BYTES} bytes.` },
				{ status: 413 }
			);
		}
		throw error;
	}
	const runtime = await ensureRuntime();
	const answer = await receiveInbound(
		runtime.engine.db,
		runtime.config,
		integrationId,
		body,
		request.headers
	);
	return typeof answer.body === 'string'
		? new Response(answer.body, { status: answer.status })
		: Response.json(answer.body, {
				status: answer.status,
				headers: { 'cache-control': 'no-store' }
			});
}
