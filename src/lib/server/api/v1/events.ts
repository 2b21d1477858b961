/**
 * Domain events (events/queries.ts), read with audit.read or webhooks.manage: a keyset-paged list
 * newest first, filtered by type (repeatable, or a comma list) and time, one event, and the
 * catalogue of types (any member or key of the tenant).
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../../events/catalogue';
import {
	cursorOf,
	eventCursorSchema,
	getEvent,
	listEvents,
	listEventTypes,
	type EventRow
} from '../../events/queries';
import { endpoint } from '../endpoint';
import { badCursor, decodeCursor, encodeCursor, pageOf, pageQuery } from '../paging';
import { iso, notFound, timestamp, uuid } from './shared';

export const eventSchema = z
	.object({
		id: z.uuid(),
		type: z.string().meta({ description: 'The event type (GET /event-types lists them).' }),
		version: z.int().meta({ description: 'The version of the payload’s schema.' }),
		subject: z.object({ type: z.string(), id: z.string() }),
		payload: z
			.record(z.string(), z.unknown())
			.meta({ description: 'What the type’s schema describes (docs/events.md).' }),
		actor_type: z.enum(['user', 'api_key', 'system']),
		actor_id: z.uuid().nullable(),
		actor_job: z.string().nullable(),
		actor_email: z.string().nullable(),
		occurred_at: timestamp
	})
	.meta({ id: 'Event' });

export const eventTypeSchema = z
	.object({
		type: z.string(),
		version: z.int(),
		module: z.string(),
		description: z.string()
	})
	.meta({ id: 'EventType' });

function eventJson(e: EventRow): z.infer<typeof eventSchema> {
	return {
		id: e.id,
		type: e.type,
		version: e.version,
		subject: { type: e.subjectType, id: e.subjectId },
		payload: e.payload,
		actor_type: e.actorType,
		actor_id: e.actorId,
		actor_job: e.actorJob,
		actor_email: e.actorEmail,
		occurred_at: iso(e.occurredAt)
	};
}

const KNOWN = new Set<string>(EVENT_TYPES);

const typeFilter = z
	.union([z.string(), z.array(z.string())])
	.transform((value) =>
		(Array.isArray(value) ? value : [value])
			.flatMap((v) => v.split(','))
			.map((v) => v.trim())
			.filter(Boolean)
	)
	.refine((types) => types.every((t) => KNOWN.has(t)), {
		error: 'Use event types from GET /api/v1/event-types, e.g. member.added.'
	})
	.optional()
	.meta({ description: 'Only these types: repeat it (type=a&type=b) or give a comma list.' });

const instant = (what: string) =>
	z.iso
		.datetime({
			offset: true,
			error: `Use an ISO-8601 time for ${what}, e.g. 2026-12-01T00:00:00Z.`
		})
		.transform((value) => new Date(value))
		.optional();

export const listEventsEndpoint = endpoint(
	{
		method: 'GET',
		path: '/events',
		operationId: 'listEvents',
		summary: 'Domain events, newest first (audit.read or webhooks.manage)',
		tag: 'Events',
		query: pageQuery.extend({
			type: typeFilter,
			since: instant('since').meta({ description: 'Occurred at or after this time.' }),
			until: instant('until').meta({ description: 'Occurred before this time.' })
		}),
		response: pageOf(eventSchema, 'EventPage')
	},
	async ({ trx, tenant, query }) => {
		const { limit, cursor, type, since, until } = query;
		let before;
		if (cursor !== undefined) {
			const parsed = eventCursorSchema.safeParse(decodeCursor(cursor));
			before = parsed.success ? parsed.data : badCursor();
		}
		const page = await listEvents(trx, tenant.id, { types: type, since, until }, { before, limit });
		const last = page.rows[page.rows.length - 1];
		return {
			data: page.rows.map(eventJson),
			next_cursor: page.hasOlder && last ? encodeCursor(cursorOf(last)) : null
		};
	}
);

export const getEventEndpoint = endpoint(
	{
		method: 'GET',
		path: '/events/{event}',
		operationId: 'getEvent',
		summary: 'One domain event (audit.read or webhooks.manage)',
		tag: 'Events',
		params: z.object({ event: uuid('event') }),
		response: eventSchema
	},
	async ({ trx, tenant, params }) => {
		const found = await getEvent(trx, tenant.id, params.event);
		return found ? eventJson(found) : notFound('event');
	}
);

export const listEventTypesEndpoint = endpoint(
	{
		method: 'GET',
		path: '/event-types',
		operationId: 'listEventTypes',
		summary: 'The catalogue of event types and their payload versions',
		tag: 'Events',
		response: z.object({ data: z.array(eventTypeSchema) }).meta({ id: 'EventTypeList' })
	},
	async ({ trx }) => ({ data: await listEventTypes(trx) })
);
