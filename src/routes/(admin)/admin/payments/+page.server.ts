import { verifyPaymentSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import {
	listPendingPayments,
	listVerifiedPayments,
	VERIFIED_PAYMENT_LIST,
	verifyPayment
} from '$lib/server/billing/console';
import { requireRole, staffAction } from '$lib/server/admin/guard';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'billing_admin');
	const params = readList(url.searchParams, VERIFIED_PAYMENT_LIST);
	return withClaims(locals.claims, async (trx) => ({
		pending: await listPendingPayments(trx),
		recent: await listVerifiedPayments(trx, params)
	}));
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
