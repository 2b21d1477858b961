import { requireRole } from '$lib/server/admin/guard';
import { knownActions, listAuditLog, type AuditPage } from '$lib/server/audit/queries';
import { filterValues } from '$lib/server/audit/schemas';
import { CONSOLE_AUDIT_ZONE, parseConsoleAuditQuery } from '$lib/server/governance/audit';
import { withClaims } from '$lib/server/platform/db';
import type { PageServerLoad } from './$types';

/** Every organisation's audit log and the platform's own rows, newest first (support staff). */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'support');
	const values = {
		...filterValues(url.searchParams),
		tenant: url.searchParams.get('tenant') ?? ''
	};
	return withClaims(locals.claims, async (trx) => {
		const query = await parseConsoleAuditQuery(trx, url.searchParams);
		const empty: AuditPage = { rows: [], hasOlder: false, hasNewer: false };
		return {
			values,
			errors: query.ok ? {} : query.errors,
			page: query.ok
				? await listAuditLog(
						trx,
						{ id: query.tenantId, timezone: CONSOLE_AUDIT_ZONE },
						query.filter,
						{
							before: query.before,
							after: query.after
						}
					)
				: empty,
			actions: await knownActions(trx, query.ok ? query.tenantId : null)
		};
	});
};
