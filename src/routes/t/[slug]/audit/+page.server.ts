import { error } from '@sveltejs/kit';
import { filterValues, parseAuditQuery } from '$lib/schemas/audit';
import { withClaims } from '$lib/server/db';
import { auditChainStatus, knownActions, listAuditLog, type AuditPage } from '$lib/server/db/audit';
import { requireClaims } from '$lib/server/web/actions';
import { can } from '$lib/web/tenant-nav';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions, mfaBlocked } = await parent();
	const claims = requireClaims(locals);
	if (!can(permissions, 'audit.read')) {
		error(403, 'You do not have permission to see the audit log (it needs audit.read).');
	}
	const values = filterValues(url.searchParams);
	const query = parseAuditQuery(url.searchParams);
	const empty: AuditPage = { rows: [], hasOlder: false, hasNewer: false };
	const errors: Record<string, string[]> = query.ok ? {} : query.errors;
	// The layout shows the two-factor screen instead; nothing of the log is read until then.
	if (mfaBlocked) return { values, errors, page: empty, chain: null, actions: [] };
	return withClaims(claims, async (trx) => ({
		values,
		errors,
		page: query.ok
			? await listAuditLog(trx, tenant, query.filter, { before: query.before, after: query.after })
			: empty,
		chain: await auditChainStatus(trx, tenant.id),
		actions: await knownActions(trx, tenant.id)
	}));
};
