import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { planFeature } from '$lib/server/billing/queries';
import { withClaims } from '$lib/server/platform/db';
import { requestClientIp } from '$lib/server/platform/observability/context';
import { requireClaims } from '$lib/server/platform/web/actions';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { parseNetworks } from '$lib/server/platform/web/networks';
import { getIpAllowlist, saveIpAllowlist } from '$lib/server/tenancy/ip-allowlist';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * The organisation's IP allowlist (docs/operations.md#ip-allowlists): the networks its pages,
 * REST API and API keys answer. tenant.update edits it; the Business plan's ip_allowlist feature,
 * the lock-out guard (TN621) and the audit are SQL's.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tenant.update'))
		error(403, 'The IP allowlist needs the tenant.update permission.');
	return withClaims(requireClaims(locals), async (trx) => ({
		plan: await planFeature(trx, tenant.id, 'ip_allowlist'),
		allowlist: await getIpAllowlist(trx, tenant.id),
		clientIp: requestClientIp()
	}));
};

const schema = z.object({
	networks: z
		.string({ error: 'List the networks, one per line.' })
		.max(10_000, { error: 'Keep the list under 10,000 characters.' })
});

export const actions: Actions = {
	save: (event) =>
		tenantAction(event, schema, async (trx, tenant, { input, values }) => {
			const parsed = parseNetworks(input.networks);
			if (!parsed.ok) return fieldError('networks', parsed.message, values);
			if (!(await saveIpAllowlist(trx, tenant.id, parsed.networks)))
				return formError(403, 'The IP allowlist needs the tenant.update permission.', values);
			return {
				ok: parsed.networks.length
					? `Saved: the organisation now answers ${parsed.networks.length} listed network${parsed.networks.length === 1 ? '' : 's'} only.`
					: 'Saved: the organisation answers every network.'
			};
		})
};
