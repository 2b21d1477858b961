import { error, redirect } from '@sveltejs/kit';
import { testCardSchema } from '$lib/server/billing/schemas';
import { StripeGatewayError } from '$lib/server/billing';
import { formError, parseForm } from '$lib/server/platform/web/forms';
import { requireFake } from '../../fake';
import type { Actions, PageServerLoad } from './$types';

/**
 * The fake's hosted checkout page: what checkout.stripe.com shows for a subscription. Paying or
 * cancelling goes back to the app on the host the billing page was opened on, which the page's CSP
 * permits (it may differ from PUBLIC_URL, where this page lives).
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const session = (await requireFake()).checkoutSession(params.id);
	if (!session) error(404, 'Not found');
	locals.formActionOrigins.push(session.success_url, session.cancel_url);
	return {
		session: {
			id: session.id,
			status: session.status,
			email: session.customer_email,
			plan: session.price.nickname,
			amount: session.price.unit_amount,
			currency: session.price.currency,
			interval: session.price.recurring.interval,
			cancelUrl: session.cancel_url
		}
	};
};

export const actions: Actions = {
	pay: async ({ params, request }) => {
		const form = await parseForm(request, testCardSchema);
		if (!form.ok) return form.failure;
		const fake = await requireFake();
		let next: string;
		try {
			next = await fake.completeCheckout(params.id, {
				number: form.data.number,
				...form.data.expiry
			});
		} catch (e) {
			if (e instanceof StripeGatewayError) return formError(402, e.message, form.values);
			throw e;
		}
		redirect(303, next);
	},
	cancel: async ({ params }) => {
		const session = (await requireFake()).checkoutSession(params.id);
		if (!session) error(404, 'Not found');
		redirect(303, session.cancel_url);
	}
};
