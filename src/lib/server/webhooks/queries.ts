/**
 * Webhook endpoints, their deliveries and attempts, in the caller's request transaction. Reads are
 * RLS (webhooks.manage); every write is an RPC of supabase/migrations/20261202000100_webhooks.sql,
 * which decides who may (this file never checks a permission). Secrets reach SQL sealed as
 * versions of the endpoint's owned secret (secrets.ts) and come back sealed from the reveal RPC,
 * which records the reveal.
 */
import { sql, type Transaction } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { DisabledReason } from '../../webhooks/options';
import type { EndpointInput } from './schemas';
import type { SealedSigningSecret, StoredSigningSecret } from './secrets';

export interface WebhookEndpoint {
	id: string;
	url: string;
	description: string;
	/** Empty: every event type. */
	eventTypes: string[];
	enabled: boolean;
	rateLimit: number | null;
	disabledReason: DisabledReason | null;
	disabledAt: Date | null;
	failingSince: Date | null;
	createdAt: Date;
	updatedAt: Date;
	/** Attempts answered 2xx over all attempts of the last 7 days; null without attempts. */
	successRate: number | null;
	/** Attempts of the last 7 days. */
	recentAttempts: number;
}

function endpointsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('webhook_endpoints as e')
		.leftJoinLateral(
			(eb) =>
				eb
					.selectFrom('webhook_attempts as a')
					.select([
						sql<number>`count(*)::int`.as('recentAttempts'),
						sql<
							number | null
						>`(count(*) filter (where a.status_code between 200 and 299))::float8 / nullif(count(*), 0)`.as(
							'successRate'
						)
					])
					.whereRef('a.tenant_id', '=', 'e.tenant_id')
					.whereRef('a.endpoint_id', '=', 'e.id')
					.where('a.started_at', '>', sql<Date>`now() - interval '7 days'`)
					.as('r'),
			(join) => join.onTrue()
		)
		.select([
			'e.id',
			'e.url',
			'e.description',
			'e.event_types as eventTypes',
			'e.enabled',
			'e.rate_limit_per_second as rateLimit',
			sql<DisabledReason | null>`e.disabled_reason`.as('disabledReason'),
			'e.disabled_at as disabledAt',
			'e.failing_since as failingSince',
			'e.created_at as createdAt',
			'e.updated_at as updatedAt',
			'r.successRate',
			sql<number>`coalesce(r."recentAttempts", 0)`.as('recentAttempts')
		])
		.where('e.tenant_id', '=', tenantId);
}

/** The endpoints page's list: search by URL and description, sort by URL or age. */
export const ENDPOINT_LIST = defineList({
	sorts: {
		url: { column: 'url', type: 'text' },
		created: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['url', 'description'],
	id: { column: 'id', type: 'uuid' }
});

export async function pageEndpoints(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<WebhookEndpoint>> {
	return (await listPage(
		trx,
		endpointsOf(trx, tenantId),
		ENDPOINT_LIST,
		params
	)) as ListPage<WebhookEndpoint>;
}

/** Every endpoint of the tenant the caller may see, oldest first (the API's list). */
export async function listEndpoints(
	trx: Transaction<DB>,
	tenantId: string
): Promise<WebhookEndpoint[]> {
	return (await endpointsOf(trx, tenantId)
		.orderBy('e.created_at')
		.orderBy('e.id')
		.execute()) as WebhookEndpoint[];
}

export async function findEndpoint(
	trx: Transaction<DB>,
	tenantId: string,
	endpointId: string
): Promise<WebhookEndpoint | undefined> {
	return (await endpointsOf(trx, tenantId).where('e.id', '=', endpointId).executeTakeFirst()) as
		WebhookEndpoint | undefined;
}

export interface EventTypeChoice {
	type: string;
	module: string;
	description: string;
}

/** What an endpoint may subscribe to (public.webhook_event_types), by module. */
export async function listEventTypes(trx: Transaction<DB>): Promise<EventTypeChoice[]> {
	const { rows } = await sql<EventTypeChoice>`
		select type, module, description from public.webhook_event_types()`.execute(trx);
	return rows;
}

export async function createEndpoint(
	trx: Transaction<DB>,
	tenantId: string,
	input: EndpointInput,
	secret: SealedSigningSecret
): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.create_webhook_endpoint(${tenantId}, ${input.url}, ${input.description},
			${input.eventTypes}::text[], ${input.rateLimit}::integer, ${secret.secretId}::uuid,
			${secret.versionId}::uuid, ${secret.dataKeyId}::uuid, ${secret.wrappedKey},
			${secret.ciphertext}) as id`.execute(trx);
	return rows[0]!.id;
}

export async function updateEndpoint(
	trx: Transaction<DB>,
	endpointId: string,
	input: EndpointInput
): Promise<void> {
	await sql`select public.update_webhook_endpoint(${endpointId}::uuid, ${input.url}, ${input.description},
		${input.eventTypes}::text[], ${input.rateLimit}::integer)`.execute(trx);
}

export async function setEndpointEnabled(
	trx: Transaction<DB>,
	endpointId: string,
	enabled: boolean
): Promise<void> {
	await sql`select public.set_webhook_endpoint_enabled(${endpointId}::uuid, ${enabled})`.execute(
		trx
	);
}

export async function deleteEndpoint(trx: Transaction<DB>, endpointId: string): Promise<void> {
	await sql`select public.delete_webhook_endpoint(${endpointId}::uuid)`.execute(trx);
}

/**
 * The tenant of an endpoint the caller sees and its owned secret on the secrets store (null until
 * it has one); undefined when the caller does not see the endpoint.
 */
export async function signingSecretOf(
	trx: Transaction<DB>,
	endpointId: string
): Promise<{ tenantId: string; secretId: string | null } | undefined> {
	const { rows } = await sql<{ tenantId: string; secretId: string | null }>`
		select e.tenant_id as "tenantId",
			(select s.id from public.secrets s
				where s.tenant_id = e.tenant_id and s.owner_type = 'webhook_endpoint' and s.owner_id = e.id) as "secretId"
		from public.webhook_endpoints e where e.id = ${endpointId}::uuid`.execute(trx);
	return rows[0];
}

/** A new current secret; returns when the old one stops signing. */
export async function rotateSecret(
	trx: Transaction<DB>,
	endpointId: string,
	secret: SealedSigningSecret,
	overlapSeconds: number
): Promise<Date> {
	const { rows } = await sql<{ expires: Date }>`
		select public.rotate_webhook_secret(${endpointId}::uuid, ${secret.secretId}::uuid,
			${secret.versionId}::uuid, ${secret.dataKeyId}::uuid, ${secret.wrappedKey}, ${secret.ciphertext},
			${overlapSeconds}::integer) as expires`.execute(trx);
	return rows[0]!.expires;
}

/** The current secret, sealed (open it with secrets.ts); the reveal is recorded in the audit log. */
export async function revealSecret(
	trx: Transaction<DB>,
	endpointId: string
): Promise<StoredSigningSecret> {
	const { rows } = await sql<StoredSigningSecret>`
		select secret_id as id, version, sealed from public.reveal_webhook_secret(${endpointId}::uuid)`.execute(
		trx
	);
	return rows[0]!;
}

/** Publishes webhook.test about the endpoint and queues one delivery to it; returns the delivery's id. */
export async function sendTestEvent(trx: Transaction<DB>, endpointId: string): Promise<string> {
	const { rows } = await sql<{ id: string }>`
		select public.send_webhook_test(${endpointId}::uuid) as id`.execute(trx);
	return rows[0]!.id;
}

export async function replayDelivery(trx: Transaction<DB>, deliveryId: string): Promise<void> {
	await sql`select public.replay_webhook_delivery(${deliveryId}::uuid)`.execute(trx);
}

export interface WebhookAttempt {
	attempt: number;
	startedAt: string;
	durationMs: number;
	statusCode: number | null;
	error: string | null;
	requestHeaders: Record<string, string>;
	responseHeaders: Record<string, string> | null;
	/** The first KB of the response. */
	responseBody: string | null;
}

export interface WebhookDelivery {
	id: string;
	endpointId: string;
	eventId: string;
	eventType: string;
	/** The exact bytes POSTed on every attempt. */
	body: string;
	status: 'pending' | 'succeeded' | 'failed';
	attempts: number;
	nextAttemptAt: Date;
	lastStatusCode: number | null;
	lastError: string | null;
	createdAt: Date;
	completedAt: Date | null;
	/** Every try, first first. */
	tries: WebhookAttempt[];
}

/** The `webhook-id` header of a delivery: msg_ and the event's id without dashes. */
export function webhookMessageId(eventId: string): string {
	return `msg_${eventId.replaceAll('-', '')}`;
}

function deliveriesOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('webhook_deliveries as d')
		.select((eb) => [
			'd.id',
			'd.endpoint_id as endpointId',
			'd.event_id as eventId',
			'd.event_type as eventType',
			'd.body',
			sql<WebhookDelivery['status']>`d.status`.as('status'),
			'd.attempts',
			'd.next_attempt_at as nextAttemptAt',
			'd.last_status_code as lastStatusCode',
			'd.last_error as lastError',
			'd.created_at as createdAt',
			'd.completed_at as completedAt',
			jsonArrayFrom(
				eb
					.selectFrom('webhook_attempts as a')
					.select([
						'a.attempt',
						sql<string>`to_char(a.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as(
							'startedAt'
						),
						'a.duration_ms as durationMs',
						'a.status_code as statusCode',
						'a.error',
						'a.request_headers as requestHeaders',
						'a.response_headers as responseHeaders',
						'a.response_body as responseBody'
					])
					.whereRef('a.tenant_id', '=', 'd.tenant_id')
					.whereRef('a.delivery_id', '=', 'd.id')
					.orderBy('a.attempt')
			).as('tries')
		])
		.where('d.tenant_id', '=', tenantId);
}

/** An endpoint's delivery log: search by event type, status or event id; newest first. */
export const DELIVERY_LIST = defineList({
	prefix: 'log',
	sorts: {
		created: { column: 'createdAt', type: 'timestamptz' },
		type: { column: 'eventType', type: 'text' },
		status: { column: 'status', type: 'text' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['eventType', 'status', 'eventId'],
	id: { column: 'id', type: 'uuid' },
	limit: 20
});

export async function pageDeliveries(
	trx: Transaction<DB>,
	tenantId: string,
	endpointId: string,
	params: ListParams
): Promise<ListPage<WebhookDelivery>> {
	return (await listPage(
		trx,
		deliveriesOf(trx, tenantId).where('d.endpoint_id', '=', endpointId),
		DELIVERY_LIST,
		params
	)) as ListPage<WebhookDelivery>;
}

/** Where a page of deliveries ends: created_at to the microsecond (UTC) and the id. */
export interface DeliveryCursor {
	at: string;
	id: string;
}

/** The API's keyset page of an endpoint's deliveries, newest first, before `cursor`. */
export async function listDeliveries(
	trx: Transaction<DB>,
	tenantId: string,
	endpointId: string,
	page: { limit: number; before: DeliveryCursor | null }
): Promise<{ rows: (WebhookDelivery & { cursor: DeliveryCursor })[]; more: boolean }> {
	let query = deliveriesOf(trx, tenantId)
		.select(
			sql<string>`to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
				'at'
			)
		)
		.where('d.endpoint_id', '=', endpointId);
	const before = page.before;
	if (before) {
		query = query.where(
			sql<boolean>`(d.created_at, d.id) < (${before.at}::timestamptz, ${before.id}::uuid)`
		);
	}
	const rows = await query
		.orderBy('d.created_at', 'desc')
		.orderBy('d.id', 'desc')
		.limit(page.limit + 1)
		.execute();
	const more = rows.length > page.limit;
	return {
		rows: rows.slice(0, page.limit).map(({ at, ...r }) => ({
			...(r as WebhookDelivery),
			cursor: { at, id: r.id }
		})),
		more
	};
}

export async function findDelivery(
	trx: Transaction<DB>,
	tenantId: string,
	deliveryId: string
): Promise<WebhookDelivery | undefined> {
	return (await deliveriesOf(trx, tenantId).where('d.id', '=', deliveryId).executeTakeFirst()) as
		WebhookDelivery | undefined;
}

export interface DailySuccess {
	/** YYYY-MM-DD (UTC). */
	day: string;
	attempts: number;
	succeeded: number;
	/** Percent of the day's attempts answered 2xx. */
	rate: number;
}

/** An endpoint's attempts per day over the last `days` days (days without attempts left out). */
export async function dailySuccess(
	trx: Transaction<DB>,
	tenantId: string,
	endpointId: string,
	days = 14
): Promise<DailySuccess[]> {
	const { rows } = await sql<{ day: string; attempts: number; succeeded: number }>`
		select to_char(date_trunc('day', a.started_at at time zone 'UTC'), 'YYYY-MM-DD') as day,
		       count(*)::int as attempts,
		       (count(*) filter (where a.status_code between 200 and 299))::int as succeeded
		from public.webhook_attempts a
		where a.tenant_id = ${tenantId} and a.endpoint_id = ${endpointId}
		  and a.started_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => ${days - 1})
		group by 1 order by 1`.execute(trx);
	return rows.map((r) => ({ ...r, rate: Math.round((r.succeeded / r.attempts) * 1000) / 10 }));
}
