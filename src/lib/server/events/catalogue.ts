/**
 * The domain event catalogue in TypeScript: one zod schema per event type for its payload, with the
 * payload version, the subject type and the module that publishes it. The SQL catalogue
 * (`public.event_types`, supabase/migrations/20261202000000_events.sql) holds the same types and
 * versions — tests/integration/events.test.ts fails when the two differ, and parses every payload
 * the triggers write with these schemas. docs/events.md shows them as JSON Schema
 * (`npm run events:docs`).
 *
 * A payload carries ids and the few fields a receiver needs, never secrets, hashes or tokens.
 * Timestamps are ISO-8601 in UTC (`…Z`); amounts are integers in the currency's minor unit.
 */
import { z } from 'zod';

const id = z.uuid();
const at = z.iso.datetime();
const day = z.iso.date();
const roles = z.array(z.string()).meta({ description: 'Tenant-wide role keys, sorted.' });

const member = z.object({
	user_id: id,
	membership_id: id
});

const team = z.object({ name: z.string(), description: z.string() });
const project = z.object({ slug: z.string(), name: z.string(), description: z.string() });
const environment = z.object({
	project_id: id,
	kind: z.enum(['development', 'staging', 'production']),
	name: z.string()
});

const subscriptionStatus = z.enum([
	'trialing',
	'active',
	'past_due',
	'pending_verification',
	'cancelled',
	'expired'
]);
const subscription = z.object({
	plan: z.string().meta({ description: 'The plan code.' }),
	billing_interval: z.enum(['month', 'year']),
	status: subscriptionStatus,
	previous_status: subscriptionStatus.nullable().meta({ description: 'Null when it was created.' }),
	current_period_end: at.nullable(),
	trial_end: at.nullable(),
	cancel_at_period_end: z.boolean()
});

const usage = z.object({
	metric: z.string(),
	period_start: day,
	quantity: z.number().int(),
	soft_limit: z.number().int().nullable(),
	hard_limit: z.number().int().nullable()
});

const payment = z.object({
	subscription_id: id.nullable(),
	plan: z.string().nullable(),
	billing_interval: z.enum(['month', 'year']).nullable(),
	amount: z.number().int(),
	currency: z.string(),
	period_start: at.nullable(),
	period_end: at.nullable(),
	note: z
		.string()
		.nullable()
		.meta({ description: 'What billing staff wrote (a rejection says why).' })
});

export interface EventDefinition {
	version: number;
	module: string;
	subject: string;
	payload: z.ZodObject;
}

/** A payload is strict (a field the schema does not name fails the catalogue test) unless loose. */
function event(
	module: string,
	subject: string,
	payload: z.ZodObject,
	{ version = 1, loose = false } = {}
): EventDefinition {
	return { version, module, subject, payload: loose ? payload.loose() : payload.strict() };
}

/** Every event type, by name. */
export const EVENT_CATALOGUE = {
	'member.added': event(
		'members',
		'member',
		member.extend({ owner: z.boolean(), invited_by: id.nullable() })
	),
	'member.removed': event(
		'members',
		'member',
		member.extend({
			left: z.boolean().meta({ description: 'True when the member left, false when removed.' })
		})
	),
	'member.role_changed': event(
		'members',
		'member',
		member.extend({
			owner: z.boolean(),
			roles,
			previous: z
				.object({ owner: z.boolean(), roles })
				.nullable()
				.meta({ description: 'Null for an ownership transfer.' })
		})
	),
	'invitation.created': event(
		'members',
		'invitation',
		z.object({
			email: z.string(),
			role_id: id.nullable(),
			role: z.string().nullable(),
			expires_at: at,
			invited_by: id.nullable()
		})
	),
	'invitation.accepted': event(
		'members',
		'invitation',
		z.object({ email: z.string(), user_id: id, role: z.string().nullable() })
	),
	'team.created': event('teams', 'team', team),
	'team.updated': event(
		'teams',
		'team',
		team.extend({ previous: team.partial().meta({ description: 'The fields that changed.' }) })
	),
	'team.deleted': event('teams', 'team', z.object({ name: z.string() })),
	'team.member_added': event('teams', 'team', z.object({ team_id: id, user_id: id })),
	'team.member_removed': event('teams', 'team', z.object({ team_id: id, user_id: id })),
	'project.created': event('projects', 'project', project),
	'project.updated': event(
		'projects',
		'project',
		project.extend({
			previous: project.partial().meta({ description: 'The fields that changed.' })
		})
	),
	'project.deleted': event('projects', 'project', z.object({ slug: z.string(), name: z.string() })),
	'environment.created': event('projects', 'environment', environment),
	'environment.updated': event(
		'projects',
		'environment',
		environment.extend({
			previous: environment
				.pick({ kind: true, name: true })
				.partial()
				.meta({ description: 'The fields that changed.' })
		})
	),
	'environment.deleted': event('projects', 'environment', environment),
	'subscription.trialing': event('billing', 'subscription', subscription),
	'subscription.active': event('billing', 'subscription', subscription),
	'subscription.past_due': event('billing', 'subscription', subscription),
	'subscription.suspended': event(
		'billing',
		'subscription',
		z.object({ plan: z.string(), status: subscriptionStatus, reason: z.string() })
	),
	'subscription.cancelled': event('billing', 'subscription', subscription),
	'invoice.paid': event(
		'billing',
		'invoice',
		z.object({
			number: z.string().nullable(),
			subscription_id: id.nullable(),
			currency: z.string(),
			total: z.number().int(),
			amount_paid: z.number().int(),
			paid_at: at.nullable()
		})
	),
	'invoice.payment_failed': event(
		'billing',
		'invoice',
		z.object({
			number: z.string().nullable(),
			payment_id: id,
			subscription_id: id.nullable(),
			currency: z.string(),
			amount_due: z.number().int(),
			failure_reason: z.string().nullable()
		})
	),
	'payment.verified': event('billing', 'payment', payment),
	'payment.rejected': event('billing', 'payment', payment),
	'usage.soft_limit': event('usage', 'usage_metric', usage),
	'usage.hard_limit': event('usage', 'usage_metric', usage),
	'api_key.created': event(
		'api_keys',
		'api_key',
		z.object({
			name: z.string(),
			prefix: z
				.string()
				.meta({ description: 'The shown start of the key (tnt_<mode>_…), not the key.' }),
			mode: z.enum(['live', 'test']),
			scope: z.enum(['tenant', 'project', 'environment']),
			project_id: id.nullable(),
			environment_id: id.nullable(),
			permissions: z.array(z.string()),
			expires_at: at.nullable(),
			rotated_from: id.nullable(),
			created_by: id
		})
	),
	'api_key.revoked': event(
		'api_keys',
		'api_key',
		z.object({ name: z.string(), prefix: z.string(), revoked_by: id.nullable() })
	),
	'domain.verified': event('domains', 'domain', z.object({ domain: z.string(), verified_at: at })),
	// Published by the webhooks module (20261202000100_webhooks.sql), which owns their fields;
	// loose until it pins them.
	'webhook.test': event('webhooks', 'webhook_endpoint', z.object({ endpoint_id: id.optional() }), {
		loose: true
	}),
	'webhook.endpoint_disabled': event(
		'webhooks',
		'webhook_endpoint',
		z.object({
			endpoint_id: id.optional(),
			reason: z.enum(['gone', 'failing', 'manual']).optional()
		}),
		{ loose: true }
	)
} satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_CATALOGUE;

export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE).sort() as EventType[];

export function isEventType(type: string): type is EventType {
	return Object.hasOwn(EVENT_CATALOGUE, type);
}

/** Parses a payload with its type's schema: the payload, or the issues in words. */
export function parsePayload(type: string, payload: unknown) {
	if (!isEventType(type)) {
		return { success: false as const, error: `${type} is not in the event catalogue.` };
	}
	const parsed = EVENT_CATALOGUE[type].payload.safeParse(payload);
	return parsed.success
		? { success: true as const, data: parsed.data }
		: { success: false as const, error: z.prettifyError(parsed.error) };
}

/** The JSON Schema (draft 2020-12) of a type's payload, for docs/events.md. */
export function payloadJsonSchema(type: EventType): Record<string, unknown> {
	return z.toJSONSchema(EVENT_CATALOGUE[type].payload) as Record<string, unknown>;
}
