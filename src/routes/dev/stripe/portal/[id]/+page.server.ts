import { error, redirect } from '@sveltejs/kit';
import { testCardSchema } from '$lib/server/billing/schemas';
import { StripeGatewayError } from '$lib/server/billing';
import { formError, parseForm } from '$lib/server/platform/web/forms';
import { requireFake } from '../../fake';
import type { Actions, PageServerLoad } from './$types';

/** The fake's customer portal: the customer's cards (add one), and the way back (its CSP permits it). */
export const load: PageServerLoad = async ({ locals, params }) => {
	const portal = (await requireFake()).portal(params.id);
	if (!portal) error(404, 'Not found');
	locals.formActionOrigins.push(portal.session.return_url);
	const defaultCard = portal.customer.invoice_settings.default_payment_method;
	return {
		returnUrl: portal.session.return_url,
		email: portal.customer.email,
		cards: portal.cards.map((m) => {
			const card = m.card as { brand: string; last4: string; exp_month: number; exp_year: number };
			return { id: m.id, ...card, isDefault: m.id === defaultCard };
		})
	};
};

export const actions: Actions = {
	add: async ({ params, request }) => {
		const form = await parseForm(request, testCardSchema);
		if (!form.ok) return form.failure;
		try {
			await (
				await requireFake()
			).addCard(params.id, { number: form.data.number, ...form.data.expiry });
		} catch (e) {
			if (e instanceof StripeGatewayError) return formError(402, e.message, form.values);
			throw e;
		}
		return { ok: 'Card added and made the default.' };
	},
	back: async ({ params }) => {
		const portal = (await requireFake()).portal(params.id);
		if (!portal) error(404, 'Not found');
		redirect(303, portal.session.return_url);
	}
};
