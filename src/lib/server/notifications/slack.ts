/**
 * Slack as a notification channel: the `notifications.slack` queue posts an event to the Slack
 * channel its organisation chose for the kind (tenant_notification_settings.slack_channel). The
 * job is queued in the event's own transaction (private.enqueue_event_notifications, dedupe key
 * the event id); the handler reads the organisation's current choice and the notification's
 * sentence (private.slack_notification), then calls the integrations module's postSlackMessage
 * as a system job. A refusal retrying cannot mend (integration gone or disconnected, Slack's own
 * non-retryable errors) is a dead letter at once; a 5xx, 429 or network error is retried on the
 * queue's schedule. Delivery is at least once: a worker that dies after Slack answered posts again.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { IntegrationError } from '../integrations/http';
import { postSlackMessage } from '../integrations/slack';
import { PermanentJobError, registerQueue } from '../queue/registry';

interface SlackNotification {
	tenant_id: string;
	integration_id: string;
	channel: string;
	title: string;
	body: string;
	link: string | null;
}

/** Slack's mrkdwn needs &, < and > escaped (api.slack.com/reference/surfaces/formatting). */
function escapeSlack(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The message: the kind's label in bold, the notification's sentence, and a link to it. */
export function slackText(
	n: Pick<SlackNotification, 'title' | 'body' | 'link'>,
	publicUrl?: string
) {
	const lines = [`*${escapeSlack(n.title)}*`];
	if (n.body) lines.push(escapeSlack(n.body));
	if (n.link && publicUrl) lines.push(`<${new URL(n.link, publicUrl).href}|Open in Tenantry>`);
	return lines.join('\n');
}

registerQueue({
	name: 'notifications.slack',
	job: 'notifications.slack',
	concurrency: 2,
	payload: z.object({ event_id: z.uuid() }),
	async handle(job, ctx) {
		return ctx.asSystem('notifications.slack', async (trx) => {
			const { rows } = await sql<SlackNotification>`
				select tenant_id, integration_id, channel, title, body, link
				  from private.slack_notification(${job.payload.event_id}::uuid)`.execute(trx);
			const n = rows[0];
			if (!n) return { posted: false };
			try {
				const { ts } = await postSlackMessage(trx, ctx.config, {
					tenantId: n.tenant_id,
					integrationId: n.integration_id,
					channel: n.channel,
					text: slackText(n, ctx.config.PUBLIC_URL)
				});
				return { posted: true, channel: n.channel, ts };
			} catch (error) {
				if (error instanceof IntegrationError && !error.retryable) {
					throw new PermanentJobError(error.message);
				}
				throw error;
			}
		});
	}
});
