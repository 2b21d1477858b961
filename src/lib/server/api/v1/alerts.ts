/**
 * BI alerts (docs/bi-alerts.md): dashboards.read lists alerts and their history; alerts.manage
 * creates, changes, mutes, snoozes and deletes them and asks for an evaluation now, through
 * bi/alerts/queries.ts. The body is checked by the page's schema (bi/alerts/schemas.ts) too, so
 * both answer the same sentences.
 */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/database';
import {
	createAlert,
	deleteAlert,
	evaluateNow,
	getAlert,
	listAlertEvents,
	listAlerts,
	setAlertQuiet,
	updateAlert,
	type Alert,
	type AlertEvent
} from '../../bi/alerts/queries';
import { ALERT_KINDS, ALERT_SOURCES, CHANNEL_KINDS, alertSchema } from '../../bi/alerts/schemas';
import { endpoint } from '../endpoint';
import { ApiProblem } from '../problem';
import { forbidden, listEndpoint, notFound, timestamp, uuid } from './shared';

export const alertJsonSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		source: z.enum(ALERT_SOURCES),
		metric: z.string().nullable(),
		saved_query_id: z.uuid().nullable(),
		widget_id: z.uuid().nullable(),
		kind: z.enum(ALERT_KINDS),
		comparison: z.enum(['above', 'below']).nullable(),
		threshold: z.number().nullable(),
		for_minutes: z.int(),
		anomaly_threshold: z.number(),
		anomaly_weeks: z.int(),
		schedule_cron: z.string().nullable(),
		enabled: z.boolean(),
		muted: z.boolean(),
		snoozed_until: timestamp.nullable(),
		state: z.enum(['ok', 'pending', 'firing']),
		last_value: z.number().nullable(),
		last_evaluated_at: timestamp.nullable(),
		last_error: z.string().nullable(),
		next_run_at: timestamp.nullable(),
		channels: z.array(z.enum(CHANNEL_KINDS)),
		slack_integration_id: z.uuid().nullable(),
		slack_channel: z.string().nullable(),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'Alert' });

export const alertEventJsonSchema = z
	.object({
		id: z.uuid(),
		alert_id: z.uuid(),
		status: z.enum(['firing', 'resolved', 'sent']),
		value: z.number().nullable(),
		resolved_value: z.number().nullable(),
		started_at: timestamp,
		resolved_at: timestamp.nullable(),
		notified: z.boolean().meta({ description: 'False when the alert was muted or snoozed.' }),
		detail: z.record(z.string(), z.unknown())
	})
	.meta({ id: 'AlertEvent' });

const alertInput = z
	.object({
		name: z.string(),
		source: z.enum(ALERT_SOURCES),
		metric: z.string().optional(),
		saved_query_id: z.uuid().optional(),
		widget_id: z.uuid().optional(),
		kind: z.enum(ALERT_KINDS),
		comparison: z.enum(['above', 'below']).optional(),
		threshold: z.number().optional(),
		for_minutes: z.int().optional(),
		anomaly_threshold: z.number().optional(),
		anomaly_weeks: z.int().optional(),
		schedule_cron: z
			.string()
			.optional()
			.meta({ description: 'Five cron fields, in the tenant’s time zone.' }),
		channels: z.array(z.enum(CHANNEL_KINDS)).optional(),
		slack_integration_id: z.uuid().optional(),
		slack_channel: z.string().optional()
	})
	.strict()
	.meta({ id: 'AlertInput' });

function alertJson(a: Alert): z.infer<typeof alertJsonSchema> {
	return {
		id: a.id,
		name: a.name,
		source: a.source,
		metric: a.metric,
		saved_query_id: a.savedQueryId,
		widget_id: a.widgetId,
		kind: a.kind,
		comparison: a.comparison,
		threshold: a.threshold,
		for_minutes: a.forMinutes,
		anomaly_threshold: a.anomalyThreshold,
		anomaly_weeks: a.anomalyWeeks,
		schedule_cron: a.scheduleCron,
		enabled: a.enabled,
		muted: a.muted,
		snoozed_until: a.snoozedUntil,
		state: a.state,
		last_value: a.lastValue,
		last_evaluated_at: a.lastEvaluatedAt,
		last_error: a.lastError,
		next_run_at: a.nextRunAt,
		channels: a.channels,
		slack_integration_id: a.slackIntegrationId,
		slack_channel: a.slackChannel,
		created_at: a.createdAt,
		updated_at: a.updatedAt
	};
}

function eventJson(e: AlertEvent): z.infer<typeof alertEventJsonSchema> {
	return {
		id: e.id,
		alert_id: e.alertId,
		status: e.status,
		value: e.value,
		resolved_value: e.resolvedValue,
		started_at: e.startedAt,
		resolved_at: e.resolvedAt,
		notified: e.notified,
		detail: e.detail
	};
}

/** The page's rules (cross-field: a threshold's comparison, a schedule's cron …), as field errors. */
function checked(body: z.infer<typeof alertInput>) {
	const parsed = alertSchema.safeParse(body);
	if (!parsed.success) {
		const errors = parsed.error.issues.map((i) => ({
			field: `body.${i.path.join('.')}`,
			message: i.message
		}));
		throw new ApiProblem('TN220', errors.map((e) => `${e.field}: ${e.message}`).join(' '), {
			errors
		});
	}
	return parsed.data;
}

async function alert(trx: Transaction<DB>, tenantId: string, id: string) {
	const found = await getAlert(trx, tenantId, id);
	return found ? alertJson(found) : notFound('alert');
}

const alertParams = z.object({ alert: uuid('alert') });

export const listAlertsEndpoint = listEndpoint(
	{
		path: '/alerts',
		operationId: 'listAlerts',
		summary: 'Alerts on metrics, saved queries and widgets (dashboards.read)',
		tag: 'Alerts',
		item: alertJsonSchema,
		pageId: 'AlertPage'
	},
	async ({ trx, tenant }) => (await listAlerts(trx, tenant.id)).map(alertJson),
	(a) => a.id
);

export const createAlertEndpoint = endpoint(
	{
		method: 'POST',
		path: '/alerts',
		operationId: 'createAlert',
		summary: 'Create an alert (alerts.manage)',
		description:
			'A `threshold` (above / below `threshold` for `for_minutes`), an `anomaly` (robust z-score of a metric over the same hour of the last `anomaly_weeks` weeks, at `anomaly_threshold`) or a `schedule` (the value sent on `schedule_cron`). Channels: `in_app`, `email`, `slack` (with `slack_integration_id` and `slack_channel`), `webhook` (the `alert.fired` / `alert.resolved` events).',
		tag: 'Alerts',
		body: alertInput,
		response: alertJsonSchema,
		status: 201
	},
	async ({ trx, tenant, body }) =>
		alert(trx, tenant.id, await createAlert(trx, tenant.id, checked(body)))
);

export const getAlertEndpoint = endpoint(
	{
		method: 'GET',
		path: '/alerts/{alert}',
		operationId: 'getAlert',
		summary: 'One alert with its state',
		tag: 'Alerts',
		params: alertParams,
		response: alertJsonSchema
	},
	async ({ trx, tenant, params }) => alert(trx, tenant.id, params.alert)
);

export const updateAlertEndpoint = endpoint(
	{
		method: 'PATCH',
		path: '/alerts/{alert}',
		operationId: 'updateAlert',
		summary: 'Replace an alert’s settings and channels (alerts.manage)',
		tag: 'Alerts',
		params: alertParams,
		body: alertInput,
		response: alertJsonSchema
	},
	async ({ trx, tenant, params, body }) => {
		await alert(trx, tenant.id, params.alert);
		if (!(await updateAlert(trx, tenant.id, params.alert, checked(body))))
			forbidden('alerts.manage');
		return alert(trx, tenant.id, params.alert);
	}
);

export const muteAlertEndpoint = endpoint(
	{
		method: 'POST',
		path: '/alerts/{alert}/mute',
		operationId: 'muteAlert',
		summary: 'Mute, snooze, wake or turn off an alert (alerts.manage)',
		description:
			'Muted or snoozed (until `snoozed_until`, within 30 days), an alert still records its events but tells nobody. `enabled: false` stops its evaluation.',
		tag: 'Alerts',
		params: alertParams,
		body: z
			.object({
				muted: z.boolean().optional(),
				snoozed_until: timestamp.nullable().optional(),
				enabled: z.boolean().optional()
			})
			.strict()
			.meta({ id: 'AlertMute' }),
		response: alertJsonSchema
	},
	async ({ trx, tenant, params, body }) => {
		await alert(trx, tenant.id, params.alert);
		const changed = await setAlertQuiet(trx, tenant.id, params.alert, {
			muted: body.muted,
			enabled: body.enabled,
			snoozedUntil:
				body.snoozed_until === undefined
					? undefined
					: body.snoozed_until === null
						? null
						: new Date(body.snoozed_until)
		});
		if (!changed) forbidden('alerts.manage');
		return alert(trx, tenant.id, params.alert);
	}
);

export const deleteAlertEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/alerts/{alert}',
		operationId: 'deleteAlert',
		summary: 'Delete an alert with its channels and history (alerts.manage)',
		tag: 'Alerts',
		params: alertParams
	},
	async ({ trx, tenant, params }) => {
		await alert(trx, tenant.id, params.alert);
		if (!(await deleteAlert(trx, tenant.id, params.alert))) forbidden('alerts.manage');
	}
);

export const evaluateAlertEndpoint = endpoint(
	{
		method: 'POST',
		path: '/alerts/{alert}/evaluate',
		operationId: 'evaluateAlert',
		summary: 'Evaluate an alert now (alerts.manage)',
		description:
			'Queues the evaluation on the job queue; the alert’s state and events show its outcome a moment later.',
		tag: 'Alerts',
		params: alertParams,
		response: z.object({ job_id: z.uuid() }).meta({ id: 'AlertEvaluation' })
	},
	async ({ trx, tenant, params }) => {
		await alert(trx, tenant.id, params.alert);
		return { job_id: await evaluateNow(trx, params.alert) };
	}
);

export const listAlertEventsEndpoint = listEndpoint(
	{
		path: '/alerts/{alert}/events',
		operationId: 'listAlertEvents',
		summary: 'An alert’s history: firings, resolutions and scheduled sends, oldest first',
		tag: 'Alerts',
		item: alertEventJsonSchema,
		pageId: 'AlertEventPage',
		params: alertParams
	},
	async ({ trx, tenant, params }) => {
		await alert(trx, tenant.id, params.alert);
		return (await listAlertEvents(trx, tenant.id, params.alert, 1000)).map(eventJson);
	},
	(e) => `${e.started_at}/${e.id}`
);
