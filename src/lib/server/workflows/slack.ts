/**
 * The "post to Slack" step's client: the integrations module's postSlackMessage, run in the
 * owner's transaction (the owner must be able to read the integration and use its bot token). A
 * refusal that retrying cannot mend (no such integration, disconnected, Slack's own non-retryable
 * errors) fails the step at once; a 5xx, 429 or network error is retried on the queue's schedule.
 */
import type { Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { IntegrationError } from '../integrations/http';
import { postSlackMessage } from '../integrations/slack';
import { StepRefused } from './errors';

export interface SlackMessage {
	tenantId: string;
	integrationId: string;
	channel: string;
	text: string;
}

export async function postSlack(
	trx: Transaction<DB>,
	config: Config,
	message: SlackMessage
): Promise<{ ts: string }> {
	try {
		return await postSlackMessage(trx, config, message);
	} catch (error) {
		if (error instanceof IntegrationError && !error.retryable) throw new StepRefused(error.message);
		throw error;
	}
}
