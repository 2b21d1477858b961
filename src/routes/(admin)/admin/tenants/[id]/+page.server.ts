import { error } from '@sveltejs/kit';
import { z } from 'zod';
import {
	approveTenantSchema,
	reactivateTenantSchema,
	suspendTenantSchema
} from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { getTenantDetail, setTenantStatus } from '$lib/server/admin/staff';
import { mutate } from '$lib/server/platform/web/actions';
import { parseForm } from '$lib/server/platform/web/forms';
import { NOT_FOUND, requireStaff } from '../../guard.server';
import type { Actions, PageServerLoad } from './$types';

function tenantId(id: string): string {
	if (!z.uuid().safeParse(id).success) error(404, NOT_FOUND);
	return id;
}

export const load: PageServerLoad = async ({ locals, params, parent }) => {
	await parent();
	const id = tenantId(params.id);
	const detail = await withClaims(locals.claims, (trx) => getTenantDetail(trx, id));
	if (!detail) error(404, NOT_FOUND);
	return detail;
};

/** One action per lifecycle step; SQL decides who may (TN061) and from which status (TN060). */
function lifecycle(action: 'approve' | 'suspend' | 'reactivate', done: string) {
	const schema = {
		approve: approveTenantSchema,
		suspend: suspendTenantSchema,
		reactivate: reactivateTenantSchema
	}[action];
	return async ({ locals, params, request, url }: Parameters<Actions[string]>[0]) => {
		await requireStaff(locals, url, action === 'approve' ? 'super_admin' : 'billing_admin');
		const id = tenantId(params.id!);
		const form = await parseForm(request, schema);
		if (!form.ok) return form.failure;
		const reason = 'reason' in form.data ? (form.data.reason as string) : null;
		const result = await mutate(locals, form.values, (trx) =>
			setTenantStatus(trx, id, action, reason)
		);
		if (!result.ok) return result.failure;
		return { ok: done };
	};
}

export const actions: Actions = {
	approve: lifecycle('approve', 'Approved: the tenant is active.'),
	suspend: lifecycle('suspend', 'Suspended: its members see the reason and nothing else.'),
	reactivate: lifecycle('reactivate', 'Reactivated: the tenant is active again.')
};
