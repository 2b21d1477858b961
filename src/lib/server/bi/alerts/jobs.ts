/**
 * The alerts module's jobs (docs/bi-alerts.md): the scheduled `bi.alerts` tick queues the alerts
 * due (every ALERTS_TICK_INTERVAL_MS); queue `bi.alerts` evaluates one alert (evaluate.ts); queue
 * `bi.alert_slack` posts a firing or a resolution to an alert's Slack channel through the Slack
 * integration's postSlackMessage, in the notifications' Slack format (slackText).
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/database';
import { runAsServiceRole } from '../../platform/rls';
import { registerJob } from '../../platform/scheduler';
import { IntegrationError } from '../../integrations/http';
import { postSlackMessage } from '../../integrations/slack';
import { slackText } from '../../notifications/slack';
import { PermanentJobError, registerQueue, type QueueDefinition } from '../../queue/registry';
import { enqueueDueAlerts, evaluateAlert } from './evaluate';

export const alertQueue: QueueDefinition<{ alert_id: string; manual?: boolean }> = {
	name: 'bi.alerts',
	job: 'bi.alerts',
	concurrency: 2,
	payload: z.object({ alert_id: z.uuid(), manual: z.boolean().optional() }),
	async handle(job, ctx) {
		return { outcome: await evaluateAlert(ctx, job.payload.alert_id) };
	}
};

interface SlackMessage {
	tenant_id: string;
	integration_id: string;
	channel: string;
	title: string;
	body: string;
	link: string | null;
}

export const alertSlackQueue: QueueDefinition<{ event_id: string; channel_id: string }> = {
	name: 'bi.alert_slack',
	job: 'bi.alert_slack',
	concurrency: 2,
	payload: z.object({ event_id: z.uuid(), channel_id: z.uuid() }),
	async handle(job, ctx) {
		return ctx.asSystem('bi.alert_slack', async (trx) => {
			const { rows } = await sql<SlackMessage>`
				select * from private.alert_slack_message(${job.payload.event_id}::uuid, ${job.payload.channel_id}::uuid)`.execute(
				trx
			);
			const m = rows[0];
			if (!m) return { posted: false };
			try {
				const { ts } = await postSlackMessage(trx, ctx.config, {
					tenantId: m.tenant_id,
					integrationId: m.integration_id,
					channel: m.channel,
					text: slackText(m, ctx.config.PUBLIC_URL)
				});
				return { posted: true, channel: m.channel, ts };
			} catch (error) {
				if (error instanceof IntegrationError && !error.retryable)
					throw new PermanentJobError(error.message);
				throw error;
			}
		});
	}
};

registerQueue(alertQueue);
registerQueue(alertSlackQueue);

/** The tick: queues a bi.alerts job per alert due now; returns how many. */
export function tickAlerts(db: Kysely<DB>, now = new Date()): Promise<number> {
	return runAsServiceRole(db, 'bi.alerts', (trx) => enqueueDueAlerts(trx, now));
}

registerJob({
	name: 'bi.alerts',
	intervalMs: (config) => config.ALERTS_TICK_INTERVAL_MS,
	run: (db) => tickAlerts(db)
});
