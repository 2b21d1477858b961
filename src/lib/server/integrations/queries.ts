/**
 * Integrations, their secrets' ids, inbound events and caches, in the caller's transaction. Reads
 * are RLS (integrations.read); every write of a person or API key is an RPC of
 * supabase/migrations/20261203000200_integrations.sql, which decides who may.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { IntegrationType } from '../../integrations/types';

export type IntegrationStatus = 'connected' | 'error' | 'disconnected';
export type EventStatus = 'queued' | 'processed' | 'failed';

export interface Integration {
	id: string;
	tenantId: string;
	type: IntegrationType;
	name: string;
	projectId: string | null;
	environmentId: string | null;
	config: Record<string, string>;
	status: IntegrationStatus;
	lastError: string | null;
	lastCheckedAt: Date | null;
	lastSyncedAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

function integrations(trx: Transaction<DB>) {
	return trx
		.selectFrom('integrations as i')
		.select([
			'i.id',
			'i.tenant_id as tenantId',
			sql<IntegrationType>`i.type`.as('type'),
			'i.name',
			'i.project_id as projectId',
			'i.environment_id as environmentId',
			sql<Record<string, string>>`i.config`.as('config'),
			sql<IntegrationStatus>`i.status`.as('status'),
			'i.last_error as lastError',
			'i.last_checked_at as lastCheckedAt',
			'i.last_synced_at as lastSyncedAt',
			'i.created_at as createdAt',
			'i.updated_at as updatedAt'
		]);
}

export async function listIntegrations(
	trx: Transaction<DB>,
	tenantId: string
): Promise<Integration[]> {
	return integrations(trx).where('i.tenant_id', '=', tenantId).orderBy('i.name').execute();
}

/** One integration the caller may read (in `tenantId` when given), or null. */
export async function findIntegration(
	trx: Transaction<DB>,
	id: string,
	tenantId?: string
): Promise<Integration | null> {
	let query = integrations(trx).where('i.id', '=', id);
	if (tenantId) query = query.where('i.tenant_id', '=', tenantId);
	return (await query.executeTakeFirst()) ?? null;
}

/** The secret ids of an integration's credentials, by name. */
export async function secretIds(
	trx: Transaction<DB>,
	integrationId: string
): Promise<Record<string, string>> {
	const rows = await trx
		.selectFrom('integration_secrets')
		.select(['name', 'secret_id'])
		.where('integration_id', '=', integrationId)
		.execute();
	return Object.fromEntries(rows.map((r) => [r.name, r.secret_id]));
}

export interface IntegrationEvent {
	id: string;
	deliveryId: string;
	providerEvent: string;
	status: EventStatus;
	attempts: number;
	error: string | null;
	summary: string | null;
	replays: number;
	receivedAt: Date;
	processedAt: Date | null;
}

export async function listEvents(
	trx: Transaction<DB>,
	integrationId: string,
	limit = 50
): Promise<IntegrationEvent[]> {
	return trx
		.selectFrom('integration_events')
		.select([
			'id',
			'delivery_id as deliveryId',
			'provider_event as providerEvent',
			sql<EventStatus>`status`.as('status'),
			'attempts',
			'error',
			'summary',
			'replays',
			'received_at as receivedAt',
			'processed_at as processedAt'
		])
		.where('integration_id', '=', integrationId)
		.orderBy('received_at', 'desc')
		.orderBy('id')
		.limit(limit)
		.execute();
}

export interface CachedRepo {
	repoId: string;
	fullName: string;
	private: boolean;
	archived: boolean;
	htmlUrl: string | null;
	pushedAt: Date | null;
}

export async function listRepos(
	trx: Transaction<DB>,
	integrationId: string
): Promise<CachedRepo[]> {
	return trx
		.selectFrom('github_repos')
		.select([
			sql<string>`repo_id::text`.as('repoId'),
			'full_name as fullName',
			'private',
			'archived',
			'html_url as htmlUrl',
			'pushed_at as pushedAt'
		])
		.where('integration_id', '=', integrationId)
		.orderBy('full_name')
		.execute();
}

export interface CachedChannel {
	channelId: string;
	name: string;
	isPrivate: boolean;
	isArchived: boolean;
	numMembers: number | null;
}

export async function listChannels(
	trx: Transaction<DB>,
	integrationId: string
): Promise<CachedChannel[]> {
	return trx
		.selectFrom('slack_channels')
		.select([
			'channel_id as channelId',
			'name',
			'is_private as isPrivate',
			'is_archived as isArchived',
			'num_members as numMembers'
		])
		.where('integration_id', '=', integrationId)
		.orderBy('name')
		.execute();
}

export async function findWorkspace(trx: Transaction<DB>, integrationId: string) {
	return (
		(await trx
			.selectFrom('slack_workspaces')
			.select(['team_id as teamId', 'team_name as teamName', 'url', 'synced_at as syncedAt'])
			.where('integration_id', '=', integrationId)
			.executeTakeFirst()) ?? null
	);
}

// ---------------------------------------------------------------------------------------------
// The RPCs
// ---------------------------------------------------------------------------------------------

export async function insertIntegration(
	trx: Transaction<DB>,
	input: {
		tenantId: string;
		type: IntegrationType;
		name: string;
		config: Record<string, string>;
		projectId?: string | null;
		environmentId?: string | null;
	}
): Promise<string> {
	const { rows } = await sql<{ id: string }>`select public.create_integration(
		${input.tenantId}::uuid, ${input.type}, ${input.name}, ${JSON.stringify(input.config)}::jsonb,
		${input.projectId ?? null}::uuid, ${input.environmentId ?? null}::uuid) as id`.execute(trx);
	return rows[0]!.id;
}

export async function updateIntegrationRow(
	trx: Transaction<DB>,
	id: string,
	name: string,
	config: Record<string, string>
): Promise<void> {
	await sql`select public.update_integration(${id}::uuid, ${name}, ${JSON.stringify(config)}::jsonb)`.execute(
		trx
	);
}

export async function linkSecret(
	trx: Transaction<DB>,
	integrationId: string,
	name: string,
	secretId: string
): Promise<void> {
	await sql`select public.set_integration_secret(${integrationId}::uuid, ${name}, ${secretId}::uuid)`.execute(
		trx
	);
}

export async function recordCheck(
	trx: Transaction<DB>,
	integrationId: string,
	ok: boolean,
	error: string | null
): Promise<void> {
	await sql`select public.record_integration_check(${integrationId}::uuid, ${ok}, ${error})`.execute(
		trx
	);
}

export async function disconnectIntegration(trx: Transaction<DB>, id: string): Promise<void> {
	await sql`select public.disconnect_integration(${id}::uuid)`.execute(trx);
}

export async function deleteIntegration(trx: Transaction<DB>, id: string): Promise<void> {
	await sql`select public.delete_integration(${id}::uuid)`.execute(trx);
}

export async function replayEvent(trx: Transaction<DB>, eventId: string): Promise<string> {
	const { rows } = await sql<{
		id: string;
	}>`select public.replay_integration_event(${eventId}::uuid) as id`.execute(trx);
	return rows[0]!.id;
}
