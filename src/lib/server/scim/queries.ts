/**
 * SCIM provisioning in the caller's request transaction (docs/scim.md). Reads are RLS
 * (scim.manage); writes are the RPCs of supabase/migrations/20261205000100_scim.sql, which decide
 * who may: this file never checks a permission itself. A new token comes back from SQL once.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import type { Config } from '../platform/config';

export interface ScimTokenSummary {
	id: string;
	name: string;
	prefix: string;
	createdAt: Date;
	lastUsedAt: Date | null;
	revokedAt: Date | null;
}

export interface ScimGroupSummary {
	id: string;
	displayName: string;
	teamId: string;
	teamName: string | null;
	roleId: string | null;
	members: number;
}

export interface ScimOperation {
	id: string;
	method: string;
	path: string;
	status: number;
	resourceType: string | null;
	detail: string | null;
	tokenName: string | null;
	createdAt: Date;
}

/** The tenant's SCIM base URL: the `scim` edge function at Supabase's URL, or the one served beside the app. */
export function scimBaseUrl(
	config: Pick<Config, 'SUPABASE_URL' | 'FUNCTIONS_HOST' | 'FUNCTIONS_PORT'>,
	slug: string
): string {
	const functions = config.SUPABASE_URL
		? `${config.SUPABASE_URL.replace(/\/$/, '')}/functions/v1`
		: `http://${config.FUNCTIONS_HOST}:${config.FUNCTIONS_PORT}/functions/v1`;
	return `${functions}/scim/${encodeURIComponent(slug)}/v2`;
}

export function listScimTokens(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ScimTokenSummary[]> {
	return trx
		.selectFrom('scim_tokens')
		.select([
			'id',
			'name',
			'prefix',
			'created_at as createdAt',
			'last_used_at as lastUsedAt',
			'revoked_at as revokedAt'
		])
		.where('tenant_id', '=', tenantId)
		.orderBy(sql`revoked_at is not null`)
		.orderBy('created_at', 'desc')
		.limit(100)
		.execute();
}

export function listScimGroups(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ScimGroupSummary[]> {
	return trx
		.selectFrom('scim_groups as g')
		.leftJoin('teams as t', 't.id', 'g.team_id')
		.select((eb) => [
			'g.id',
			sql<string>`g.display_name::text`.as('displayName'),
			'g.team_id as teamId',
			't.name as teamName',
			'g.role_id as roleId',
			eb
				.selectFrom('team_members as tm')
				.select(sql<number>`count(*)::int`.as('n'))
				.whereRef('tm.team_id', '=', 'g.team_id')
				.as('members')
		])
		.where('g.tenant_id', '=', tenantId)
		.orderBy('g.display_name')
		.limit(500)
		.execute() as Promise<ScimGroupSummary[]>;
}

export async function countScimUsers(
	trx: Transaction<DB>,
	tenantId: string
): Promise<{ total: number; active: number; unlinked: number }> {
	const row = await trx
		.selectFrom('scim_users')
		.select([
			sql<number>`count(*)::int`.as('total'),
			sql<number>`(count(*) filter (where active))::int`.as('active'),
			sql<number>`(count(*) filter (where user_id is null))::int`.as('unlinked')
		])
		.where('tenant_id', '=', tenantId)
		.executeTakeFirstOrThrow();
	return row;
}

export function recentScimOperations(
	trx: Transaction<DB>,
	tenantId: string,
	limit = 50
): Promise<ScimOperation[]> {
	return trx
		.selectFrom('scim_operations as o')
		.leftJoin('scim_tokens as k', 'k.id', 'o.token_id')
		.select([
			sql<string>`o.id::text`.as('id'),
			'o.method',
			'o.path',
			'o.status',
			'o.resource_type as resourceType',
			'o.detail',
			'k.name as tokenName',
			'o.created_at as createdAt'
		])
		.where('o.tenant_id', '=', tenantId)
		.orderBy('o.created_at', 'desc')
		.orderBy('o.id', 'desc')
		.limit(limit)
		.execute();
}

export async function createScimToken(
	trx: Transaction<DB>,
	tenantId: string,
	name: string
): Promise<{ id: string; token: string }> {
	const { rows } = await sql<{ id: string; token: string }>`
		select id, token from public.create_scim_token(${tenantId}, ${name})`.execute(trx);
	return rows[0]!;
}

export async function rotateScimToken(
	trx: Transaction<DB>,
	tokenId: string
): Promise<{ id: string; token: string }> {
	const { rows } = await sql<{ id: string; token: string }>`
		select id, token from public.rotate_scim_token(${tokenId})`.execute(trx);
	return rows[0]!;
}

export async function revokeScimToken(trx: Transaction<DB>, tokenId: string): Promise<void> {
	await sql`select public.revoke_scim_token(${tokenId})`.execute(trx);
}

export async function mapScimGroup(
	trx: Transaction<DB>,
	groupId: string,
	roleId: string | null
): Promise<void> {
	await sql`select public.map_scim_group(${groupId}, ${roleId})`.execute(trx);
}
