/**
 * Processing a recorded inbound event (the `integrations.inbound` queue's handler, jobs.ts): a
 * summary in words per provider, the caches the event touches (a GitHub `repository` event
 * updates github_repos from its payload; a Slack channel event refreshes that channel with
 * conversations.info), then public.finish_integration_event publishes integration.event_received.
 * A failure counts the attempt and keeps the error; the queue retries with backoff and the last
 * attempt (or a failure no retry can mend) leaves the event failed, replayable from the page.
 */
import { sql, type Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { useSecret } from '../secrets/service';
import type { GitHubRepo } from './github';
import { IntegrationError } from './http';
import { findIntegration, secretIds, type Integration } from './queries';
import { SlackClient } from './slack-api';
import { deleteChannel, deleteRepo, upsertChannels, upsertRepos } from './sync';

type Json = Record<string, unknown>;

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** What happened, in a sentence, from the provider's payload. */
export function summarise(type: Integration['type'], providerEvent: string, body: Json): string {
	if (type === 'github') {
		const repo = text((body.repository as Json | undefined)?.full_name) || 'a repository';
		const [event, action] = providerEvent.split('.');
		if (event === 'push') {
			const commits = Array.isArray(body.commits) ? body.commits.length : 0;
			const ref = text(body.ref).replace(/^refs\/heads\//, '');
			const who = text((body.pusher as Json | undefined)?.name) || 'Someone';
			return `${who} pushed ${commits} commit${commits === 1 ? '' : 's'} to ${repo}${ref ? ` (${ref})` : ''}.`;
		}
		if (event === 'pull_request' || event === 'issues') {
			const item = (body.pull_request ?? body.issue) as Json | undefined;
			const noun = event === 'issues' ? 'Issue' : 'Pull request';
			return `${noun} #${String(item?.number ?? body.number ?? '?')} ${action ?? 'changed'} in ${repo}: ${text(item?.title)}`.trim();
		}
		if (event === 'ping') return `GitHub pinged the webhook of ${repo}.`;
		return `GitHub ${providerEvent} in ${repo}.`;
	}
	if (type === 'slack') {
		const event = (body.event ?? {}) as Json;
		const channel = event.channel;
		const name = typeof channel === 'object' && channel ? text((channel as Json).name) : '';
		if (providerEvent.startsWith('channel_')) {
			return `Slack channel ${name ? `#${name}` : text(channel)} ${providerEvent.replace('channel_', '')}.`;
		}
		if (providerEvent === 'message' || providerEvent === 'app_mention') {
			return `Slack ${providerEvent === 'message' ? 'message' : 'mention'} in ${text(channel) || 'a channel'}: ${text(event.text).slice(0, 200)}`;
		}
		return `Slack ${providerEvent}.`;
	}
	return `${providerEvent} received.`;
}

const CHANNEL_EVENTS = [
	'channel_created',
	'channel_rename',
	'channel_archive',
	'channel_unarchive',
	'channel_deleted'
];

async function updateCaches(
	db: Kysely<DB>,
	config: Config,
	integration: Integration,
	providerEvent: string,
	body: Json
) {
	if (integration.type === 'github' && providerEvent.startsWith('repository.')) {
		const repo = body.repository as GitHubRepo | undefined;
		if (!repo?.id) return;
		await runAsServiceRole(db, 'integrations.inbound', (trx) =>
			providerEvent === 'repository.deleted'
				? deleteRepo(trx, integration, repo.id)
				: upsertRepos(trx, integration, [repo])
		);
	}
	if (integration.type === 'slack' && CHANNEL_EVENTS.includes(providerEvent)) {
		const event = (body.event ?? {}) as Json;
		const channelId =
			typeof event.channel === 'object' && event.channel
				? text((event.channel as Json).id)
				: text(event.channel);
		if (!channelId) return;
		if (providerEvent === 'channel_deleted') {
			await runAsServiceRole(db, 'integrations.inbound', (trx) =>
				deleteChannel(trx, integration, channelId)
			);
			return;
		}
		// The event carries little: ask Slack for the channel as it is now (outside any transaction).
		const token = await runAsServiceRole(db, 'integrations.inbound', async (trx) => {
			const id = (await secretIds(trx, integration.id)).bot_token;
			return id ? useSecret(trx, config, { tenantId: integration.tenantId, secretId: id }) : null;
		});
		if (!token) throw new IntegrationError('The Slack integration has no bot token.', false);
		const channel = await new SlackClient({ baseUrl: config.SLACK_API_URL, token }).channel(
			channelId
		);
		await runAsServiceRole(db, 'integrations.inbound', (trx) =>
			upsertChannels(trx, integration, [channel])
		);
	}
}

interface EventRow {
	id: string;
	integration_id: string;
	provider_event: string;
	body: string;
	status: string;
}

/** Processes one recorded event; throws (after recording the failed attempt) when it fails. */
export async function processEvent(
	db: Kysely<DB>,
	config: Config,
	eventId: string,
	attempt: { final: boolean }
): Promise<'processed' | 'skipped'> {
	const loaded = await runAsServiceRole(db, 'integrations.inbound', async (trx) => {
		const event = await trx
			.selectFrom('integration_events')
			.select(['id', 'integration_id', 'provider_event', 'body', 'status'])
			.where('id', '=', eventId)
			.executeTakeFirst();
		return event
			? { event: event as EventRow, integration: await findIntegration(trx, event.integration_id) }
			: null;
	});
	if (!loaded || !loaded.integration || loaded.event.status === 'processed') return 'skipped';
	const { event, integration } = loaded;
	try {
		const body = JSON.parse(event.body) as Json;
		await updateCaches(db, config, integration, event.provider_event, body);
		const summary = summarise(integration.type, event.provider_event, body);
		await runAsServiceRole(db, 'integrations.inbound', (trx) =>
			sql`select public.finish_integration_event(${event.id}::uuid, true, ${summary})`.execute(trx)
		);
		return 'processed';
	} catch (error) {
		const retryable =
			error instanceof IntegrationError ? error.retryable : !(error instanceof SyntaxError);
		const message = (error as Error).message || 'processing failed';
		await runAsServiceRole(db, 'integrations.inbound', (trx) =>
			sql`select public.finish_integration_event(${event.id}::uuid, false, null, ${message}, ${attempt.final || !retryable})`.execute(
				trx
			)
		);
		throw Object.assign(error as Error, { retryable });
	}
}
