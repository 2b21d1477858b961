import { error } from '@sveltejs/kit';
import {
	aiSpend,
	listProviderAccess,
	removeProviderAccess,
	setBudget,
	setProviderAccess
} from '$lib/server/ai/queries';
import { accessFormSchema, budgetFormSchema, removeAccessSchema } from '$lib/server/ai/schemas';
import { withClaims } from '$lib/server/platform/db';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { formError } from '$lib/server/platform/web/forms';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * AI providers and budget (ai.manage): which providers the organisation calls, with the
 * platform's key or its own (an owned secret, never shown again), an OpenAI-compatible endpoint's
 * URL (the SSRF guard checks it on every call), and the monthly budget in USD.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'ai.manage'))
		error(403, 'AI settings need the “Manage AI settings” permission (ai.manage).');
	return withClaims(requireClaims(locals), async (trx) => ({
		providers: await listProviderAccess(trx, tenant.id),
		spend: await aiSpend(trx, tenant.id)
	}));
};

export const actions: Actions = {
	access: async (event) => {
		const config = (await ensureRuntime()).config;
		const result = await tenantAction(
			event,
			accessFormSchema,
			async (trx, tenant, { input, values }) => {
				if (input.access === 'own_key') {
					const current = (await listProviderAccess(trx, tenant.id)).find(
						(p) => p.providerId === input.providerId
					);
					if (!input.apiKey && !current?.hasKey)
						return formError(400, 'Give your key for this provider.', values);
				}
				await setProviderAccess(trx, config, {
					tenantId: tenant.id,
					providerId: input.providerId,
					access: input.access,
					baseUrl: input.baseUrl,
					apiKey: input.apiKey,
					enabled: input.enabled
				});
				return { ok: 'Saved the provider’s access.' };
			}
		);
		if (refused(result)) return result;
		return result;
	},
	remove: async (event) => {
		const result = await tenantAction(
			event,
			removeAccessSchema,
			async (trx, tenant, { input, values }) => {
				if (!(await removeProviderAccess(trx, tenant.id, input.accessId)))
					return formError(404, 'No such provider access, or you may not change it.', values);
				return { ok: 'Removed the access and its key.' };
			}
		);
		return result;
	},
	budget: async (event) =>
		tenantAction(event, budgetFormSchema, async (trx, tenant, { input }) => {
			await setBudget(trx, tenant.id, input.budget);
			return { ok: input.budget === null ? 'The budget is removed.' : 'Saved the monthly budget.' };
		})
};
