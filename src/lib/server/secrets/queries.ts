/**
 * Secrets and their versions, in the caller's request transaction. Reads are RLS (secrets.read,
 * or the owner module's permission for an owned secret) and never touch a sealed column (no API
 * role may); every write is an RPC of supabase/migrations/20261203000100_secrets.sql, which decides
 * who may (this file never checks a permission). Values reach SQL sealed (envelope.ts) and come
 * back sealed from the reveal and use RPCs, which record who asked.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { SecretFormat, SecretOwnerType } from '../../secrets/options';
import type { NewSealedVersion, SealedVersion } from './envelope';
import type { SecretMetadata } from './format';

export interface SecretSummary {
	id: string;
	name: string;
	format: SecretFormat;
	description: string;
	projectId: string | null;
	projectName: string | null;
	ownerType: SecretOwnerType | null;
	ownerId: string | null;
	/** The current version's number (versions count from 1). */
	version: number;
	/** What the current version's value was found to be (format.ts). */
	metadata: SecretMetadata;
	/** The current version's expiry (a JWT's exp, a certificate's notAfter). */
	expiresAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

export interface SecretVersionRow {
	id: string;
	version: number;
	metadata: SecretMetadata;
	expiresAt: Date | null;
	createdBy: string | null;
	createdByName: string | null;
	createdAt: Date;
}

function secretsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('secrets as s')
		.leftJoin('secret_versions as v', (join) =>
			join.onRef('v.tenant_id', '=', 's.tenant_id').onRef('v.id', '=', 's.current_version_id')
		)
		.leftJoin('projects as p', (join) =>
			join.onRef('p.tenant_id', '=', 's.tenant_id').onRef('p.id', '=', 's.project_id')
		)
		.select([
			's.id',
			's.name',
			sql<SecretFormat>`s.format`.as('format'),
			's.description',
			's.project_id as projectId',
			'p.name as projectName',
			sql<SecretOwnerType | null>`s.owner_type`.as('ownerType'),
			's.owner_id as ownerId',
			's.version_count as version',
			sql<SecretMetadata>`coalesce(v.metadata, '{}'::jsonb)`.as('metadata'),
			'v.expires_at as expiresAt',
			's.created_at as createdAt',
			's.updated_at as updatedAt'
		])
		.where('s.tenant_id', '=', tenantId);
}

/** The secrets page's list: search by name, description and owner; sort by name, expiry or age. */
export const SECRET_LIST = defineList({
	sorts: {
		name: { column: 'name', type: 'text' },
		updated: { column: 'updatedAt', type: 'timestamptz' },
		expires: { column: 'expiresAt', type: 'timestamptz' }
	},
	defaultSort: 'name',
	defaultDir: 'asc',
	search: ['name', 'description', 'ownerType', 'projectName'],
	id: { column: 'id', type: 'uuid' }
});

export async function pageSecrets(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<SecretSummary>> {
	return (await listPage(
		trx,
		secretsOf(trx, tenantId),
		SECRET_LIST,
		params
	)) as ListPage<SecretSummary>;
}

/** Every secret of the tenant the caller may see, by name (the API's list). */
export async function listSecrets(
	trx: Transaction<DB>,
	tenantId: string
): Promise<SecretSummary[]> {
	return (await secretsOf(trx, tenantId)
		.orderBy('s.name')
		.orderBy('s.id')
		.execute()) as SecretSummary[];
}

export async function findSecret(
	trx: Transaction<DB>,
	tenantId: string,
	secretId: string
): Promise<SecretSummary | undefined> {
	return (await secretsOf(trx, tenantId).where('s.id', '=', secretId).executeTakeFirst()) as
		SecretSummary | undefined;
}

/** A secret's versions, newest first (metadata only: nobody reads a value here). */
export async function listVersions(
	trx: Transaction<DB>,
	tenantId: string,
	secretId: string
): Promise<SecretVersionRow[]> {
	return (await trx
		.selectFrom('secret_versions as v')
		.leftJoin('profiles as pr', 'pr.id', 'v.created_by')
		.select([
			'v.id',
			'v.version',
			sql<SecretMetadata>`v.metadata`.as('metadata'),
			'v.expires_at as expiresAt',
			'v.created_by as createdBy',
			sql<string | null>`coalesce(pr.full_name, pr.email)`.as('createdByName'),
			'v.created_at as createdAt'
		])
		.where('v.tenant_id', '=', tenantId)
		.where('v.secret_id', '=', secretId)
		.orderBy('v.version', 'desc')
		.execute()) as SecretVersionRow[];
}

export interface NewSecretRow {
	tenantId: string;
	projectId: string | null;
	name: string;
	format: SecretFormat;
	description: string;
	owner: { type: SecretOwnerType; id: string } | null;
	secretId: string;
	metadata: SecretMetadata;
}

export async function insertSecret(
	trx: Transaction<DB>,
	row: NewSecretRow,
	sealed: NewSealedVersion
): Promise<{ secretId: string; versionId: string; version: number }> {
	const { rows } = await sql<{ secretId: string; versionId: string; version: number }>`
		select secret_id as "secretId", version_id as "versionId", version
		from public.create_secret(${row.tenantId}::uuid, ${row.projectId}::uuid, ${row.name}, ${row.format},
			${row.description}, ${row.owner?.type ?? null}, ${row.owner?.id ?? null}::uuid, ${row.secretId}::uuid,
			${sealed.versionId}::uuid, ${sealed.dataKeyId}::uuid, ${sealed.wrappedKey}, ${sealed.ciphertext},
			${JSON.stringify(row.metadata)}::jsonb)`.execute(trx);
	return rows[0]!;
}

export async function insertVersion(
	trx: Transaction<DB>,
	secretId: string,
	sealed: NewSealedVersion,
	metadata: SecretMetadata
): Promise<{ versionId: string; version: number }> {
	const { rows } = await sql<{ versionId: string; version: number }>`
		select version_id as "versionId", version
		from public.add_secret_version(${secretId}::uuid, ${sealed.versionId}::uuid, ${sealed.dataKeyId}::uuid,
			${sealed.wrappedKey}, ${sealed.ciphertext}, ${JSON.stringify(metadata)}::jsonb)`.execute(trx);
	return rows[0]!;
}

/** A secret's format and tenant as the caller sees them (RLS), for a new version's checks. */
export async function secretFormat(
	trx: Transaction<DB>,
	tenantId: string,
	secretId: string
): Promise<SecretFormat | undefined> {
	const row = await trx
		.selectFrom('secrets')
		.select(sql<SecretFormat>`format`.as('format'))
		.where('tenant_id', '=', tenantId)
		.where('id', '=', secretId)
		.executeTakeFirst();
	return row?.format;
}

/** A version's sealed material for a reveal (audited and published by SQL). */
export async function sealedForReveal(
	trx: Transaction<DB>,
	secretId: string,
	version: number | null
): Promise<SealedVersion & { version: number }> {
	const { rows } = await sql<SealedVersion & { version: number }>`
		select * from public.reveal_secret(${secretId}::uuid, ${version}::integer)`.execute(trx);
	return rows[0]!;
}

/** The current version's sealed material for a use (audited by SQL). */
export async function sealedForUse(
	trx: Transaction<DB>,
	secretId: string
): Promise<SealedVersion & { version: number }> {
	const { rows } = await sql<SealedVersion & { version: number }>`
		select * from public.use_secret(${secretId}::uuid)`.execute(trx);
	return rows[0]!;
}

export async function deleteSecret(trx: Transaction<DB>, secretId: string): Promise<void> {
	await sql`select public.delete_secret(${secretId}::uuid)`.execute(trx);
}
