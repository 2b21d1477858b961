/**
 * The caches: GitHub repositories and the Slack workspace and channels of an integration, written
 * by system jobs (service_role holds the cache tables' writes). A full sync replaces an
 * integration's rows with what the provider lists now; an event updates one row.
 */
import { sql, type Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import type { GitHubRepo } from './github';
import { GitHubClient } from './github';
import type { Integration } from './queries';
import { SlackClient, type SlackAuth, type SlackChannel } from './slack-api';

type Target = Pick<Integration, 'id' | 'tenantId'>;

function repoRow(target: Target, repo: GitHubRepo) {
	return {
		tenant_id: target.tenantId,
		integration_id: target.id,
		repo_id: String(repo.id),
		full_name: repo.full_name,
		private: repo.private,
		archived: repo.archived,
		default_branch: repo.default_branch ?? null,
		html_url: repo.html_url ?? null,
		pushed_at: repo.pushed_at ?? null,
		synced_at: sql<Date>`now()`
	};
}

export async function upsertRepos(
	trx: Transaction<DB>,
	target: Target,
	repos: GitHubRepo[]
): Promise<void> {
	for (let i = 0; i < repos.length; i += 500) {
		await trx
			.insertInto('github_repos')
			.values(repos.slice(i, i + 500).map((r) => repoRow(target, r)))
			.onConflict((oc) =>
				oc.columns(['integration_id', 'repo_id']).doUpdateSet((eb) => ({
					full_name: eb.ref('excluded.full_name'),
					private: eb.ref('excluded.private'),
					archived: eb.ref('excluded.archived'),
					default_branch: eb.ref('excluded.default_branch'),
					html_url: eb.ref('excluded.html_url'),
					pushed_at: eb.ref('excluded.pushed_at'),
					synced_at: eb.ref('excluded.synced_at')
				}))
			)
			.execute();
	}
}

export async function deleteRepo(
	trx: Transaction<DB>,
	target: Target,
	repoId: number
): Promise<void> {
	await trx
		.deleteFrom('github_repos')
		.where('integration_id', '=', target.id)
		.where('repo_id', '=', String(repoId))
		.execute();
}

function channelRow(target: Target, channel: SlackChannel) {
	return {
		tenant_id: target.tenantId,
		integration_id: target.id,
		channel_id: channel.id,
		name: channel.name,
		is_private: channel.is_private ?? false,
		is_archived: channel.is_archived ?? false,
		num_members: channel.num_members ?? null,
		synced_at: sql<Date>`now()`
	};
}

export async function upsertChannels(
	trx: Transaction<DB>,
	target: Target,
	channels: SlackChannel[]
): Promise<void> {
	for (let i = 0; i < channels.length; i += 500) {
		await trx
			.insertInto('slack_channels')
			.values(channels.slice(i, i + 500).map((c) => channelRow(target, c)))
			.onConflict((oc) =>
				oc.columns(['integration_id', 'channel_id']).doUpdateSet((eb) => ({
					name: eb.ref('excluded.name'),
					is_private: eb.ref('excluded.is_private'),
					is_archived: eb.ref('excluded.is_archived'),
					num_members: eb.ref('excluded.num_members'),
					synced_at: eb.ref('excluded.synced_at')
				}))
			)
			.execute();
	}
}

export async function deleteChannel(
	trx: Transaction<DB>,
	target: Target,
	channelId: string
): Promise<void> {
	await trx
		.deleteFrom('slack_channels')
		.where('integration_id', '=', target.id)
		.where('channel_id', '=', channelId)
		.execute();
}

export async function upsertWorkspace(
	trx: Transaction<DB>,
	target: Target,
	auth: SlackAuth
): Promise<void> {
	await trx
		.insertInto('slack_workspaces')
		.values({
			tenant_id: target.tenantId,
			integration_id: target.id,
			team_id: auth.team_id,
			team_name: auth.team,
			url: auth.url ?? null,
			bot_user_id: auth.user_id ?? null,
			synced_at: sql<Date>`now()`
		})
		.onConflict((oc) =>
			oc.column('integration_id').doUpdateSet((eb) => ({
				team_id: eb.ref('excluded.team_id'),
				team_name: eb.ref('excluded.team_name'),
				url: eb.ref('excluded.url'),
				bot_user_id: eb.ref('excluded.bot_user_id'),
				synced_at: eb.ref('excluded.synced_at')
			}))
		)
		.execute();
}

/** What a provider lists now, fetched before any transaction holds the caches. */
export type Snapshot =
	| { type: 'github'; repos: GitHubRepo[] }
	| { type: 'slack'; auth: SlackAuth; channels: SlackChannel[] };

export async function fetchSnapshot(
	config: Pick<Config, 'GITHUB_API_URL' | 'SLACK_API_URL'>,
	integration: Pick<Integration, 'type' | 'config'>,
	secrets: Record<string, string>
): Promise<Snapshot | null> {
	if (integration.type === 'github') {
		const client = new GitHubClient({ baseUrl: config.GITHUB_API_URL, token: secrets.token ?? '' });
		return { type: 'github', repos: await client.repos(integration.config.organisation) };
	}
	if (integration.type === 'slack') {
		const client = new SlackClient({
			baseUrl: config.SLACK_API_URL,
			token: secrets.bot_token ?? ''
		});
		return { type: 'slack', auth: await client.authTest(), channels: await client.channels() };
	}
	return null;
}

/** Replaces an integration's cached rows with the snapshot. */
export async function applySnapshot(
	trx: Transaction<DB>,
	target: Target,
	snapshot: Snapshot
): Promise<void> {
	if (snapshot.type === 'github') {
		await trx.deleteFrom('github_repos').where('integration_id', '=', target.id).execute();
		if (snapshot.repos.length) await upsertRepos(trx, target, snapshot.repos);
		return;
	}
	await upsertWorkspace(trx, target, snapshot.auth);
	await trx.deleteFrom('slack_channels').where('integration_id', '=', target.id).execute();
	if (snapshot.channels.length) await upsertChannels(trx, target, snapshot.channels);
}
