import { error } from '@sveltejs/kit';
import { filterValues, parseAuditQuery } from '$lib/server/audit/schemas';
import { withClaims } from '$lib/server/platform/db';
import {
	auditChainStatus,
	knownActions,
	listAuditLog,
	type AuditPage
} from '$lib/server/audit/queries';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions, tenantMfaBlocked } from '$lib/server/tenancy/tenants';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

const REFUSED = 'You do not have permission to see the audit log (it needs audit.read).';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions, mfaBlocked } = await parent();
	const claims = requireClaims(locals);
	if (!can(permissions, 'audit.read')) error(403, REFUSED);
	const values = filterValues(url.searchParams);
	const query = parseAuditQuery(url.searchParams);
	const empty: AuditPage = { rows: [], hasOlder: false, hasNewer: false };
	const errors: Record<string, string[]> = query.ok ? {} : query.errors;
	// The layout shows the two-factor screen instead; nothing of the log is read until then.
	if (mfaBlocked) return { values, errors, page: empty, actions: [] };
	return withClaims(claims, async (trx) => ({
		values,
		errors,
		page: query.ok
			? await listAuditLog(trx, tenant, query.filter, { before: query.before, after: query.after })
			: empty,
		actions: await knownActions(trx, tenant.id)
	}));
};

export const actions: Actions = {
	/**
	 * Recomputes every sealed link of the tenant's chain: linear in the log's size, so it runs when
	 * asked rather than on every page load.
	 */
	verify: (event) =>
		tenantAction(event, null, async (trx, tenant) => {
			if (!(await myPermissions(trx, tenant.id)).includes('audit.read')) error(403, REFUSED);
			if (await tenantMfaBlocked(trx, tenant.id)) {
				error(403, 'This organisation requires two-factor authentication: verify a code first.');
			}
			return { chain: await auditChainStatus(trx, tenant.id), checkedAt: new Date() };
		})
};
