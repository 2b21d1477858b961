/**
 * The "post to Slack" step's client: the INTEGRATIONS module's postSlackMessage (its contract:
 * `(trx, config, { tenantId, integrationId, channel, text }) => Promise<{ ts }>`, run in the
 * owner's transaction). Until that module is merged, a Slack step fails with this sentence.
 */
import type { Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { StepRefused } from './errors';

export interface SlackMessage {
	tenantId: string;
	integrationId: string;
	channel: string;
	text: string;
}

export async function postSlack(
	_trx: Transaction<DB>,
	_config: Config,
	message: SlackMessage
): Promise<{ ts: string }> {
	throw new StepRefused(
		`Slack integration ${message.integrationId} cannot be reached: this installation has no integrations module.`
	);
}
