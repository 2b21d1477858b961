/**
 * Posting to Slack for the other modules (workflows' "post to Slack" step, Slack notifications):
 * `postSlackMessage` finds the Slack integration under the caller's claims (RLS: integrations.read;
 * the bot token is used with integrations.manage or as a system job, the secrets module decides),
 * and calls chat.postMessage at SLACK_API_URL. The channel defaults to the integration's
 * `default_channel`.
 */
import type { Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { useSecret } from '../secrets/service';
import { IntegrationError } from './http';
import { findIntegration, secretIds } from './queries';
import { SlackClient } from './slack-api';

export async function postSlackMessage(
	trx: Transaction<DB>,
	config: Config,
	input: { tenantId: string; integrationId: string; channel?: string | null; text: string }
): Promise<{ ts: string }> {
	const integration = await findIntegration(trx, input.integrationId, input.tenantId);
	if (!integration || integration.type !== 'slack') {
		throw new IntegrationError('No such Slack integration, or you may not use it.', false, 'TN330');
	}
	if (integration.status === 'disconnected') {
		throw new IntegrationError(
			`The Slack integration ${integration.name} is disconnected.`,
			false,
			'TN336'
		);
	}
	const channel = input.channel || integration.config.default_channel;
	if (!channel) {
		throw new IntegrationError(
			`Choose a channel: the Slack integration ${integration.name} has no default channel.`,
			false
		);
	}
	const tokenId = (await secretIds(trx, integration.id)).bot_token;
	if (!tokenId) {
		throw new IntegrationError(
			`The Slack integration ${integration.name} has no bot token.`,
			false
		);
	}
	const token = await useSecret(trx, config, { tenantId: integration.tenantId, secretId: tokenId });
	const posted = await new SlackClient({ baseUrl: config.SLACK_API_URL, token }).postMessage(
		channel,
		input.text
	);
	return { ts: posted.ts };
}
