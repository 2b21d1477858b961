/**
 * What Tenantry asks of Stripe, and nothing more: checkout and customer-portal sessions, a
 * preview of a plan change's proration and the change itself, cancel at period end and resume.
 * Stripe answers state changes with webhook events, which reach the database only through
 * `public.apply_stripe_event` (the stripe-webhook function, or the fake's delivery), never here.
 */

/** A plan's price as Stripe knows it (plans.stripe_price_monthly / _yearly). */
export interface PlanPrice {
	id: string;
	planCode: string;
	planName: string;
	/** Minor units per interval. */
	unitAmount: number;
	currency: string;
	interval: 'month' | 'year';
}

export interface CheckoutRequest {
	tenantId: string;
	/** The tenant's Stripe customer, when it has one; else Checkout creates one. */
	customerId: string | null;
	email: string | null;
	price: PlanPrice;
	successUrl: string;
	cancelUrl: string;
}

export interface InvoiceLinePreview {
	description: string;
	/** Minor units; negative for a credit. */
	amount: number;
	periodStart: Date;
	periodEnd: Date;
	proration: boolean;
}

export interface PlanChangePreview {
	currency: string;
	/** Unix seconds the proration is computed at; pass it back to changePlan to charge exactly this. */
	prorationDate: number;
	lines: InvoiceLinePreview[];
	/** Sum of the lines (negative: a credit kept on the customer's balance). */
	total: number;
	/** What the card is charged now, after any credit balance. */
	amountDue: number;
	periodEnd: Date;
}

export interface PlanChange {
	subscriptionId: string;
	price: PlanPrice;
	prorationDate: number;
}

export interface StripeGateway {
	/** 'stripe' talks to api.stripe.com; 'fake' is the embedded profile's stand-in. */
	readonly kind: 'stripe' | 'fake';
	/**
	 * The origins of its hosted pages (checkout, customer portal), which the app's forms redirect
	 * to: the CSP's form-action lists them (hooks.server.ts, platform/web/csp.ts).
	 */
	readonly hostedOrigins: readonly string[];
	createCheckoutSession(request: CheckoutRequest): Promise<{ id: string; url: string }>;
	createPortalSession(customerId: string, returnUrl: string): Promise<{ url: string }>;
	previewPlanChange(
		subscriptionId: string,
		price: PlanPrice,
		prorationDate?: number
	): Promise<PlanChangePreview>;
	changePlan(change: PlanChange): Promise<void>;
	setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<void>;
}

/** A refusal Stripe would answer with (card declined, no such object …), safe to show as is. */
export class StripeGatewayError extends Error {
	constructor(
		message: string,
		readonly code: string
	) {
		super(message);
		this.name = 'StripeGatewayError';
	}
}
