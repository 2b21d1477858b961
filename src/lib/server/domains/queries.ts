/** Custom domain queries. Claims and listings run as the person (RLS); checks as the job. */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface TenantDomain {
	id: string;
	domain: string;
	verificationToken: string;
	verifiedAt: Date | null;
	lastCheckedAt: Date | null;
	lastCheckError: string | null;
	createdAt: Date;
}

const DOMAIN_COLUMNS = [
	'id',
	'domain',
	'verification_token as verificationToken',
	'verified_at as verifiedAt',
	'last_checked_at as lastCheckedAt',
	'last_check_error as lastCheckError',
	'created_at as createdAt'
] as const;

export function listDomains(trx: Transaction<DB>, tenantId: string): Promise<TenantDomain[]> {
	return trx
		.selectFrom('tenant_domains')
		.select(DOMAIN_COLUMNS)
		.where('tenant_id', '=', tenantId)
		.orderBy('created_at')
		.execute();
}

export function findDomain(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<TenantDomain | undefined> {
	return trx
		.selectFrom('tenant_domains')
		.select(DOMAIN_COLUMNS)
		.where('tenant_id', '=', tenantId)
		.where('id', '=', id)
		.executeTakeFirst();
}

export async function addDomain(
	trx: Transaction<DB>,
	tenantId: string,
	domain: string
): Promise<void> {
	await trx.insertInto('tenant_domains').values({ tenant_id: tenantId, domain }).execute();
}

/** Deletes a claim; false when there was none the caller may delete. */
export async function removeDomain(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	const result = await trx
		.deleteFrom('tenant_domains')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', id)
		.executeTakeFirst();
	return result.numDeletedRows > 0n;
}

/** Records a DNS check (the `domains.verify` job's transaction). */
export async function recordDomainCheck(
	trx: Transaction<DB>,
	id: string,
	verified: boolean,
	problem: string | null
): Promise<void> {
	await sql`select private.mark_domain_checked(${id}, ${verified}, ${problem})`.execute(trx);
}

/** The slug a verified custom domain routes to (the `domains.resolve` job's transaction). */
export async function resolveTenantHost(
	trx: Transaction<DB>,
	host: string
): Promise<string | null> {
	const { rows } = await sql<{
		slug: string | null;
	}>`select public.resolve_tenant_host(${host}) as slug`.execute(trx);
	return rows[0]?.slug ?? null;
}
