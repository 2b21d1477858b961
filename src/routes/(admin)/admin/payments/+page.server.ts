import { verifyPaymentSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listPayments, verifyPayment } from '$lib/server/admin/staff';
import { mutate } from '$lib/server/platform/web/actions';
import { parseForm } from '$lib/server/platform/web/forms';
import { requireRole, requireStaff } from '../guard.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	requireRole((await parent()).role, 'billing_admin');
	return await withClaims(locals.claims, listPayments);
};

/** verify_payment does the rest in one transaction: payment, subscription, audit, the tenant's notification. */
export const actions: Actions = {
	verify: async ({ locals, request, url }) => {
		await requireStaff(locals, url, 'billing_admin');
		const form = await parseForm(request, verifyPaymentSchema);
		if (!form.ok) return form.failure;
		const approve = form.data.decision === 'approve';
		const result = await mutate(locals, form.values, (trx) =>
			verifyPayment(trx, form.data.paymentId, {
				approve,
				note: form.data.note || null,
				acceptAmount: form.data.acceptAmount,
				amountReason: form.data.reason || null
			})
		);
		if (!result.ok) return result.failure;
		return {
			ok: approve
				? `Payment approved: the subscription is ${result.value.replace('_', ' ')}.`
				: `Payment rejected: the subscription is ${result.value.replace('_', ' ')}.`
		};
	}
};
