import { verifyPaymentSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { listPayments, verifyPayment } from '$lib/server/billing/console';
import { requireRole, staffAction } from '$lib/server/admin/guard';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	requireRole((await parent()).holds, 'billing_admin');
	return await withClaims(locals.claims, listPayments);
};

/** verify_payment does the rest in one transaction: payment, subscription, audit, the tenant's notification. */
export const actions: Actions = {
	verify: (event) =>
		staffAction(event, 'billing_admin', verifyPaymentSchema, async (trx, { input }) => {
			const approve = input.decision === 'approve';
			const status = await verifyPayment(trx, input.paymentId, {
				approve,
				note: input.note || null,
				acceptAmount: input.acceptAmount,
				amountReason: input.reason || null
			});
			return {
				ok: approve
					? `Payment approved: the subscription is ${status.replace('_', ' ')}.`
					: `Payment rejected: the subscription is ${status.replace('_', ' ')}.`
			};
		})
};
