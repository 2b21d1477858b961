/** Custom domain queries. Claims and listings run as the person (RLS); checks as the job. */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import type { DnsRecord, RecordCheck } from './records';

export interface TenantDomain {
	id: string;
	domain: string;
	verificationToken: string;
	verifiedAt: Date | null;
	lastCheckedAt: Date | null;
	lastCheckError: string | null;
	isPrimary: boolean;
	sslStatus: 'none' | 'active' | 'expiring' | 'expired';
	/** When a verified domain's routing record stopped checking out (null: it is in place). */
	dnsLostAt: Date | null;
	createdAt: Date;
}

const DOMAIN_COLUMNS = [
	'id',
	'domain',
	'verification_token as verificationToken',
	'verified_at as verifiedAt',
	'last_checked_at as lastCheckedAt',
	'last_check_error as lastCheckError',
	'is_primary as isPrimary',
	sql<TenantDomain['sslStatus']>`ssl_status`.as('sslStatus'),
	'dns_lost_at as dnsLostAt',
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

/** Makes a verified domain the tenant's primary one (SQL checks domains.manage: TN003, TN593). */
export async function setPrimaryDomain(trx: Transaction<DB>, id: string): Promise<void> {
	await sql`select public.set_primary_domain(${id})`.execute(trx);
}

const RECORD_COLUMNS = [
	'id',
	'domain_id as domainId',
	sql<DnsRecord['recordType']>`record_type`.as('recordType'),
	'host',
	'value',
	sql<DnsRecord['purpose']>`purpose`.as('purpose'),
	'required',
	sql<DnsRecord['status']>`status`.as('status'),
	'found',
	'last_checked_at as lastCheckedAt'
] as const;

/** The records a tenant's domains need, in the order the page shows them. */
export function listDnsRecords(
	trx: Transaction<DB>,
	tenantId: string,
	domainId?: string
): Promise<DnsRecord[]> {
	let query = trx
		.selectFrom('dns_records')
		.select(RECORD_COLUMNS)
		.where('tenant_id', '=', tenantId);
	if (domainId) query = query.where('domain_id', '=', domainId);
	return query
		.orderBy(sql`array_position(array['routing', 'verification', 'advice'], purpose)`)
		.orderBy('record_type')
		.orderBy('value')
		.execute();
}

/** The domains.dns_check job: every domain (or one), its records brought up to the settings. */
export async function domainsToCheck(
	trx: Transaction<DB>,
	domainId?: string
): Promise<{ id: string; domain: string; records: DnsRecord[] }[]> {
	let domains = trx.selectFrom('tenant_domains').select(['id', 'domain', 'tenant_id']);
	if (domainId) domains = domains.where('id', '=', domainId);
	const rows = await domains.orderBy('created_at').execute();
	const out = [];
	for (const row of rows) {
		await sql`select private.sync_dns_records(${row.id})`.execute(trx);
		out.push({
			id: row.id,
			domain: row.domain,
			records: await listDnsRecords(trx, row.tenant_id, row.id)
		});
	}
	return out;
}

/** Records one domain's check (the domains.dns_check job's transaction). */
export async function recordDnsChecks(
	trx: Transaction<DB>,
	domainId: string,
	checks: RecordCheck[]
): Promise<void> {
	await sql`select private.record_dns_checks(${domainId}, ${JSON.stringify(checks)}::jsonb)`.execute(
		trx
	);
}

/** The page's table of records to publish: every domain's, searchable by domain, host and value. */
export const DNS_RECORD_LIST = defineList({
	prefix: 'rec',
	sorts: {
		domain: { column: 'domain', type: 'text' },
		type: { column: 'recordType', type: 'text' },
		status: { column: 'status', type: 'text' }
	},
	defaultSort: 'domain',
	defaultDir: 'asc',
	search: ['domain', 'host', 'value', 'recordType'],
	id: { column: 'id', type: 'uuid' },
	limit: 50
});

export type DnsRecordRow = DnsRecord & { domain: string };

export async function pageDnsRecords(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<DnsRecordRow>> {
	const query = trx
		.selectFrom('dns_records as r')
		.innerJoin('tenant_domains as d', 'd.id', 'r.domain_id')
		.select([
			'r.id',
			'r.domain_id as domainId',
			'd.domain',
			sql<DnsRecord['recordType']>`r.record_type`.as('recordType'),
			'r.host',
			'r.value',
			sql<DnsRecord['purpose']>`r.purpose`.as('purpose'),
			'r.required',
			sql<DnsRecord['status']>`r.status`.as('status'),
			'r.found',
			'r.last_checked_at as lastCheckedAt'
		])
		.where('r.tenant_id', '=', tenantId);
	return listPage(trx, query, DNS_RECORD_LIST, params);
}
