import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { planSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listAllPlans, savePlan } from '$lib/server/billing/console';
import { refused } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { NOT_FOUND, requireRole, staffAction } from '$lib/server/admin/guard';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, parent }) => {
	requireRole((await parent()).holds, 'billing_admin');
	if (params.id === 'new') return { plan: null, crumb: 'New plan' };
	if (!z.uuid().safeParse(params.id).success) error(404, NOT_FOUND);
	const plans = await withClaims(locals.claims, listAllPlans);
	const plan = plans.find((p) => p.id === params.id);
	if (!plan) error(404, NOT_FOUND);
	return { plan, crumb: plan.name };
};

export const actions: Actions = {
	save: async (event) => {
		const saved = await staffAction(
			event,
			'billing_admin',
			planSchema,
			async (trx, { input, values }) =>
				(await savePlan(trx, input))
					? input.code
					: formError(404, 'That plan no longer exists.', values)
		);
		if (refused(saved)) return saved;
		redirect(303, '/admin/plans?saved=' + encodeURIComponent(saved));
	}
};
