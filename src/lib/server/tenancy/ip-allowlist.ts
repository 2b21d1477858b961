/**
 * An organisation's IP allowlist (tenant_ip_allowlists; docs/operations.md#ip-allowlists): the
 * networks its pages, REST API and API keys answer. SQL decides who may change it (tenant.update),
 * the plan (TN624), the lock-out guard (TN621) and audits each change; these are its queries.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';

export interface IpAllowlist {
	networks: string[];
	updatedAt: Date | null;
}

/** The tenant's list (empty when it has none, or the caller may not read it). */
export async function getIpAllowlist(trx: Transaction<DB>, tenantId: string): Promise<IpAllowlist> {
	const row = await trx
		.selectFrom('tenant_ip_allowlists')
		.select([sql<string[]>`networks::text[]`.as('networks'), 'updated_at'])
		.where('tenant_id', '=', tenantId)
		.executeTakeFirst();
	return { networks: row?.networks ?? [], updatedAt: row?.updated_at ?? null };
}

/** Replaces the list (an empty one admits every network); false when RLS let nothing change. */
export async function saveIpAllowlist(
	trx: Transaction<DB>,
	tenantId: string,
	networks: string[]
): Promise<boolean> {
	// Each entry was read by parseNetworks (web/networks.ts), so the array literal needs no quoting.
	const list = sql<string[]>`${`{${networks.join(',')}}`}::cidr[]`;
	const result = await trx
		.insertInto('tenant_ip_allowlists')
		.values({ tenant_id: tenantId, networks: list })
		.onConflict((oc) => oc.column('tenant_id').doUpdateSet({ networks: list }))
		.executeTakeFirst();
	return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
