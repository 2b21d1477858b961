/**
 * The gateway on Stripe's API (STRIPE_SECRET_KEY set). Plan changes invoice their proration at
 * once (`always_invoice`) at the proration date the preview showed, so the person is charged
 * exactly what they confirmed. State comes back through the webhook, not from these answers.
 */
import Stripe from 'stripe';
import {
	StripeGatewayError,
	type CheckoutRequest,
	type PlanChange,
	type PlanChangePreview,
	type PlanPrice,
	type StripeGateway
} from './gateway';

export class StripeApiGateway implements StripeGateway {
	readonly kind = 'stripe';
	readonly hostedOrigins = ['https://checkout.stripe.com', 'https://billing.stripe.com'];
	private readonly stripe: Stripe;

	constructor(secretKey: string) {
		this.stripe = new Stripe(secretKey);
	}

	async createCheckoutSession(request: CheckoutRequest) {
		const session = await this.call(() =>
			this.stripe.checkout.sessions.create({
				mode: 'subscription',
				client_reference_id: request.tenantId,
				...(request.customerId
					? { customer: request.customerId }
					: { customer_email: request.email ?? undefined }),
				line_items: [{ price: request.price.id, quantity: 1 }],
				subscription_data: { metadata: { tenant_id: request.tenantId } },
				success_url: request.successUrl,
				cancel_url: request.cancelUrl
			})
		);
		if (!session.url) throw new StripeGatewayError('Stripe returned no checkout URL.', 'no_url');
		return { id: session.id, url: session.url };
	}

	async createPortalSession(customerId: string, returnUrl: string) {
		const session = await this.call(() =>
			this.stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl })
		);
		return { url: session.url };
	}

	async previewPlanChange(
		subscriptionId: string,
		price: PlanPrice,
		prorationDate = Math.floor(Date.now() / 1000)
	): Promise<PlanChangePreview> {
		const subscription = await this.call(() => this.stripe.subscriptions.retrieve(subscriptionId));
		const item = subscription.items.data[0]!;
		const preview = await this.call(() =>
			this.stripe.invoices.createPreview({
				customer:
					typeof subscription.customer === 'string'
						? subscription.customer
						: subscription.customer.id,
				subscription: subscriptionId,
				subscription_details: {
					items: [{ id: item.id, price: price.id }],
					proration_behavior: 'always_invoice',
					proration_date: prorationDate
				}
			})
		);
		const lines = preview.lines.data.map((line) => ({
			description: line.description ?? '',
			amount: line.amount,
			periodStart: new Date(line.period.start * 1000),
			periodEnd: new Date(line.period.end * 1000),
			proration: line.parent?.subscription_item_details?.proration ?? false
		}));
		return {
			currency: preview.currency,
			prorationDate,
			lines,
			total: preview.total,
			amountDue: preview.amount_due,
			periodEnd: new Date(Math.max(...lines.map((l) => l.periodEnd.getTime())))
		};
	}

	async changePlan(change: PlanChange) {
		const subscription = await this.call(() =>
			this.stripe.subscriptions.retrieve(change.subscriptionId)
		);
		await this.call(() =>
			this.stripe.subscriptions.update(change.subscriptionId, {
				items: [{ id: subscription.items.data[0]!.id, price: change.price.id }],
				proration_behavior: 'always_invoice',
				proration_date: change.prorationDate
			})
		);
	}

	async setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean) {
		await this.call(() =>
			this.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel })
		);
	}

	/** Stripe's own refusals (card declined, no such subscription …) become gateway errors. */
	private async call<T>(request: () => Promise<T>): Promise<T> {
		try {
			return await request();
		} catch (error) {
			if (error instanceof Stripe.errors.StripeError) {
				throw new StripeGatewayError(error.message, error.code ?? error.type);
			}
			throw error;
		}
	}
}
