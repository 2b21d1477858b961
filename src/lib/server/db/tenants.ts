/** Tenant queries; every one runs in the caller's request transaction, under RLS. */
import type { Transaction } from 'kysely';
import type { DB } from './database';

export interface TenantSummary {
	id: string;
	slug: string;
	name: string;
	status: string;
}

/** The tenants the caller may see (RLS decides), by name. */
export function listMyTenants(trx: Transaction<DB>): Promise<TenantSummary[]> {
	return trx
		.selectFrom('tenants')
		.select(['id', 'slug', 'name', 'status'])
		.orderBy('name')
		.execute() as Promise<TenantSummary[]>;
}
