/**
 * API keys in the caller's request transaction. Reads are RLS (api_keys.read); writes are the
 * RPCs of supabase/migrations/20261201000000_api_keys.sql, which decide who may and what a key
 * may hold: this file never checks a permission itself. The raw key is made here, handed to SQL
 * (which stores only its HMAC) and returned once.
 */
import { sql, type Transaction } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DB } from '../platform/database';
import { generateApiKey, maskApiKey, type ApiKeyMode } from './format';

export interface ApiKeySummary {
	id: string;
	name: string;
	mode: ApiKeyMode;
	scope: 'tenant' | 'project' | 'environment';
	projectName: string | null;
	environmentName: string | null;
	permissions: string[];
	prefix: string;
	lastFour: string;
	/** `tnt_live_AbCd1234…wxyz`: how the page shows it. */
	masked: string;
	rateLimitPerMinute: number;
	expiresAt: Date | null;
	revokedAt: Date | null;
	replacedBy: string | null;
	lastUsedAt: Date | null;
	lastUsedIp: string | null;
	createdAt: Date;
	createdBy: string;
	/** The creator's name, or null when they are no longer a member (the key keeps working). */
	creatorName: string | null;
}

export async function listApiKeys(
	trx: Transaction<DB>,
	tenantId: string
): Promise<ApiKeySummary[]> {
	const rows = await trx
		.selectFrom('api_keys as k')
		.leftJoin('projects as p', 'p.id', 'k.project_id')
		.leftJoin('environments as e', 'e.id', 'k.environment_id')
		.leftJoin('memberships as m', (join) =>
			join.onRef('m.tenant_id', '=', 'k.tenant_id').onRef('m.user_id', '=', 'k.created_by')
		)
		.leftJoin('profiles as pr', 'pr.id', 'm.user_id')
		.select([
			'k.id',
			'k.name',
			'k.mode',
			'k.scope',
			'p.name as projectName',
			'e.name as environmentName',
			'k.permissions',
			'k.prefix',
			'k.last_four as lastFour',
			'k.rate_limit_per_minute as rateLimitPerMinute',
			'k.expires_at as expiresAt',
			'k.revoked_at as revokedAt',
			'k.replaced_by as replacedBy',
			'k.last_used_at as lastUsedAt',
			'k.last_used_ip as lastUsedIp',
			'k.created_at as createdAt',
			'k.created_by as createdBy',
			(eb) =>
				eb
					.case()
					.when('m.user_id', 'is not', null)
					.then(eb.fn.coalesce('pr.full_name', sql<string>`'a member'`))
					.else(null)
					.end()
					.as('creatorName')
		])
		.where('k.tenant_id', '=', tenantId)
		.orderBy('k.created_at', 'desc')
		.execute();
	return rows.map((r) => ({ ...r, masked: maskApiKey(r.prefix, r.lastFour) }));
}

export interface GrantablePermission {
	code: string;
	module: string;
	description: string;
	projectScoped: boolean;
}

/** The catalogue entries the caller may give a key here (public.api_key_grantable_permissions). */
export async function grantablePermissions(
	trx: Transaction<DB>,
	tenantId: string
): Promise<GrantablePermission[]> {
	const { rows } = await sql<GrantablePermission>`
		select code, module, description, project_scoped as "projectScoped"
		from public.api_key_grantable_permissions(${tenantId})`.execute(trx);
	return rows;
}

export interface KeyScope {
	id: string;
	name: string;
	environments: { id: string; name: string }[];
}

/** The projects (and their environments) the caller sees: where a project or environment key can apply. */
export function listKeyScopes(trx: Transaction<DB>, tenantId: string): Promise<KeyScope[]> {
	return trx
		.selectFrom('projects as p')
		.select((eb) => [
			'p.id',
			'p.name',
			jsonArrayFrom(
				eb
					.selectFrom('environments as e')
					.select(['e.id', 'e.name'])
					.whereRef('e.project_id', '=', 'p.id')
					.orderBy('e.name')
			).as('environments')
		])
		.where('p.tenant_id', '=', tenantId)
		.orderBy('p.name')
		.execute();
}

export interface NewApiKey {
	name: string;
	mode: ApiKeyMode;
	permissions: string[];
	projectId: string | null;
	environmentId: string | null;
	expiresAt: Date | null;
	rateLimit: number;
}

/** Creates a key; the raw key is in the answer and nowhere else. */
export async function createApiKey(
	trx: Transaction<DB>,
	tenantId: string,
	key: NewApiKey
): Promise<{ id: string; key: string }> {
	const raw = generateApiKey(key.mode);
	const { rows } = await sql<{ id: string }>`
		select public.create_api_key(${tenantId}, ${key.name}, ${raw}, ${key.permissions}::text[],
			${key.projectId}, ${key.environmentId}, ${key.expiresAt}, ${key.rateLimit}) as id`.execute(trx);
	return { id: rows[0]!.id, key: raw };
}

export async function revokeApiKey(trx: Transaction<DB>, keyId: string): Promise<void> {
	await sql`select public.revoke_api_key(${keyId})`.execute(trx);
}

/** Rotates a key: the new raw key (same mode) once, the old one working for `overlapSeconds`. */
export async function rotateApiKey(
	trx: Transaction<DB>,
	keyId: string,
	overlapSeconds: number
): Promise<{ id: string; key: string }> {
	const old = await trx
		.selectFrom('api_keys')
		.select('mode')
		.where('id', '=', keyId)
		.executeTakeFirst();
	const raw = generateApiKey(old?.mode ?? 'live');
	const { rows } = await sql<{ id: string }>`
		select public.rotate_api_key(${keyId}, ${raw}, ${overlapSeconds}) as id`.execute(trx);
	return { id: rows[0]!.id, key: raw };
}
