import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { planSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listPlans, savePlan } from '$lib/server/admin/staff';
import { mutate } from '$lib/server/platform/web/actions';
import { formError, parseForm } from '$lib/server/platform/web/forms';
import { NOT_FOUND, requireRole, requireStaff } from '../../guard.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, parent }) => {
	requireRole((await parent()).role, 'billing_admin');
	if (params.id === 'new') return { plan: null };
	if (!z.uuid().safeParse(params.id).success) error(404, NOT_FOUND);
	const plans = await withClaims(locals.claims, listPlans);
	const plan = plans.find((p) => p.id === params.id);
	if (!plan) error(404, NOT_FOUND);
	return { plan };
};

export const actions: Actions = {
	save: async ({ locals, request, url }) => {
		await requireStaff(locals, url, 'billing_admin');
		const form = await parseForm(request, planSchema);
		if (!form.ok) return form.failure;
		const result = await mutate(locals, form.values, (trx) => savePlan(trx, form.data));
		if (!result.ok) return result.failure;
		if (!result.value) return formError(404, 'That plan no longer exists.', form.values);
		redirect(303, '/admin/plans?saved=' + encodeURIComponent(form.data.code));
	}
};
