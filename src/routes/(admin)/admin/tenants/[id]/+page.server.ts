import { error } from '@sveltejs/kit';
import { z } from 'zod';
import {
	approveTenantSchema,
	reactivateTenantSchema,
	suspendTenantSchema
} from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { getTenantDetail, setTenantStatus } from '$lib/server/tenancy/console';
import { NOT_FOUND, staffAction } from '$lib/server/admin/guard';
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
	return (event: Parameters<Actions[string]>[0]) => {
		const needed = action === 'approve' ? 'super_admin' : 'billing_admin';
		const id = tenantId(event.params.id!);
		return staffAction(event, needed, schema, async (trx, { input }) => {
			const reason = 'reason' in input ? (input.reason as string) : null;
			await setTenantStatus(trx, id, action, reason);
			return { ok: done };
		});
	};
}

export const actions: Actions = {
	approve: lifecycle('approve', 'Approved: the tenant is active.'),
	suspend: lifecycle('suspend', 'Suspended: its members see the reason and nothing else.'),
	reactivate: lifecycle('reactivate', 'Reactivated: the tenant is active again.')
};
