import { error } from '@sveltejs/kit';
import {
	listDataPolicies,
	previewRetention,
	resetDataPolicy,
	saveDataPolicy
} from '$lib/server/governance/queries';
import { dataPolicyResetSchema, dataPolicySchema } from '$lib/server/governance/schemas';
import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * How long the organisation keeps each kind of data (privacy.manage; RLS on data_policies and the
 * checks of private.check_data_policy decide): its own days and action, or the platform's default,
 * and a dry run of what the next nightly run would delete or anonymise.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'privacy.manage'))
		error(403, 'Data retention needs the privacy.manage permission.');
	return {
		policies: await withClaims(requireClaims(locals), (trx) => listDataPolicies(trx, tenant.id))
	};
};

export const actions: Actions = {
	save: (event) =>
		tenantAction(event, dataPolicySchema, async (trx, tenant, { input }) => {
			await saveDataPolicy(trx, tenant.id, input);
			return { ok: 'The retention policy is saved; the next nightly run applies it.' };
		}),
	reset: (event) =>
		tenantAction(event, dataPolicyResetSchema, async (trx, tenant, { input }) => {
			const reset = await resetDataPolicy(trx, tenant.id, input.dataClass);
			return {
				ok: reset
					? 'The platform’s default applies again.'
					: 'The platform’s default already applies.'
			};
		}),
	preview: (event) =>
		tenantAction(event, null, async (trx, tenant) => ({
			preview: await previewRetention(trx, tenant.id)
		}))
};
