/**
 * The console's platform-wide audit log (/admin/audit, support staff): the organisation's page's
 * filters (src/lib/server/audit/schemas.ts) plus an organisation (its address), over every row
 * the staff member's RLS admits (audit_logs_select_staff), dates in UTC.
 */
import type { Transaction } from 'kysely';
import { parseAuditQuery } from '../audit/schemas';
import type { DB } from '../platform/database';
import { findTenantBySlug } from '../tenancy/tenants';

export const CONSOLE_AUDIT_ZONE = 'UTC';

export type ConsoleAuditQuery =
	| (Extract<ReturnType<typeof parseAuditQuery>, { ok: true }> & { tenantId: string | null })
	| { ok: false; errors: Record<string, string[]> };

/** The filters of a query string, the organisation's address resolved to its id. */
export async function parseConsoleAuditQuery(
	trx: Transaction<DB>,
	params: URLSearchParams
): Promise<ConsoleAuditQuery> {
	const query = parseAuditQuery(params);
	const slug = (params.get('tenant') ?? '').trim().toLowerCase();
	const tenant = slug ? await findTenantBySlug(trx, slug) : null;
	const errors = query.ok ? {} : { ...query.errors };
	if (slug && !tenant) errors.tenant = ['No organisation has this address.'];
	if (!query.ok || Object.keys(errors).length > 0) return { ok: false, errors };
	return { ...query, tenantId: tenant?.id ?? null };
}
