/**
 * A faithful fake of the part of Stripe Tenantry uses, for the embedded profile and tests. It
 * keeps Stripe-shaped objects (cus_, sub_, si_, in_, pm_, cs_, bps_, evt_ ids; periods on the
 * subscription item; invoices with lines, balances and numbers), computes prorations the way
 * Stripe does (proration.ts), and answers every change as Stripe does: with events, handed to
 * `deliver` — the webhook's own path into the database, or the served edge function, signed.
 *
 * Like Stripe, it remembers its objects and not Tenantry's rows: an id it never issued is
 * `resource_missing`. With a state file (beside DATA_DIR) it survives restarts as Stripe would.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
	StripeGatewayError,
	type CheckoutRequest,
	type PlanChange,
	type PlanChangePreview,
	type PlanPrice,
	type StripeGateway
} from './gateway';
import { addInterval, formatAmount, prorate, type ProrationLine } from './proration';

export interface StripeEvent {
	id: string;
	object: 'event';
	api_version: string;
	type: string;
	created: number;
	livemode: false;
	pending_webhooks: number;
	request: { id: string | null; idempotency_key: string | null };
	data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

/** Hands one event to the webhook's path; returns its outcome (applied, duplicate, stale, ignored). */
export type Deliver = (event: StripeEvent) => Promise<string>;

export interface TestCard {
	number: string;
	expMonth: number;
	expYear: number;
}

type Obj = Record<string, unknown> & { id: string };

interface Price extends Obj {
	object: 'price';
	unit_amount: number;
	currency: string;
	recurring: { interval: 'month' | 'year'; interval_count: 1 };
	product: string;
	nickname: string;
}

interface Item extends Obj {
	price: Price;
	quantity: number;
	current_period_start: number;
	current_period_end: number;
}

interface Subscription extends Obj {
	customer: string;
	status: string;
	items: { object: 'list'; data: Item[] };
	cancel_at_period_end: boolean;
	cancel_at: number | null;
	canceled_at: number | null;
	billing_cycle_anchor: number;
	latest_invoice: string | null;
	default_payment_method: string | null;
}

interface Customer extends Obj {
	email: string | null;
	balance: number;
	invoice_prefix: string;
	next_invoice_sequence: number;
	metadata: Record<string, string>;
	invoice_settings: { default_payment_method: string | null };
}

interface Session extends Obj {
	status: 'open' | 'complete' | 'expired';
	client_reference_id: string;
	customer: string | null;
	customer_email: string | null;
	price: Price;
	success_url: string;
	cancel_url: string;
	subscription: string | null;
	expires_at: number;
}

interface PortalSession extends Obj {
	customer: string;
	return_url: string;
}

interface State {
	customers: Record<string, Customer>;
	subscriptions: Record<string, Subscription>;
	invoices: Record<string, Obj>;
	paymentMethods: Record<string, Obj>;
	sessions: Record<string, Session>;
	portalSessions: Record<string, PortalSession>;
}

export const API_VERSION = '2025-10-29.clover';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function stripeId(prefix: string, length = 24): string {
	const bytes = randomBytes(length);
	return `${prefix}_${[...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

function cardBrand(number: string): string {
	if (/^4/.test(number)) return 'visa';
	if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
	if (/^3[47]/.test(number)) return 'amex';
	return 'unknown';
}

export interface FakeStripeOptions {
	/** The public origin of the app: hosted pages live under /dev/stripe there. */
	appUrl: string;
	deliver: Deliver;
	/** Where to keep the fake's objects between restarts; none keeps them in memory. */
	stateFile?: string | null;
	/** The clock, in milliseconds (tests move it). */
	now?: () => number;
}

export class FakeStripe implements StripeGateway {
	readonly kind = 'fake';
	/** Its hosted pages are the app's own /dev/stripe pages, on PUBLIC_URL. */
	get hostedOrigins(): readonly string[] {
		return [new URL(this.options.appUrl).origin];
	}
	/** Every event sent, oldest first, with the outcome the webhook path answered. */
	readonly sent: { event: StripeEvent; outcome: string }[] = [];
	private readonly state: State;
	private readonly clock: () => number;

	constructor(private readonly options: FakeStripeOptions) {
		this.clock = options.now ?? Date.now;
		const empty: State = {
			customers: {},
			subscriptions: {},
			invoices: {},
			paymentMethods: {},
			sessions: {},
			portalSessions: {}
		};
		const file = options.stateFile;
		this.state =
			file && existsSync(file)
				? { ...empty, ...(JSON.parse(readFileSync(file, 'utf8')) as State) }
				: empty;
	}

	private now(): number {
		return Math.floor(this.clock() / 1000);
	}

	// -------------------------------------------------------------------------------------------
	// Checkout (the hosted page at /dev/stripe/checkout/<id>)
	// -------------------------------------------------------------------------------------------

	async createCheckoutSession(request: CheckoutRequest) {
		if (request.customerId) this.customer(request.customerId);
		const id = stripeId('cs_test', 58);
		this.state.sessions[id] = {
			id,
			object: 'checkout.session',
			status: 'open',
			client_reference_id: request.tenantId,
			customer: request.customerId,
			customer_email: request.email,
			price: this.price(request.price),
			success_url: request.successUrl.replace('{CHECKOUT_SESSION_ID}', id),
			cancel_url: request.cancelUrl,
			subscription: null,
			created: this.now(),
			expires_at: this.now() + 24 * 3600
		};
		this.save();
		return { id, url: `${this.options.appUrl}/dev/stripe/checkout/${id}` };
	}

	/** The session as the hosted page shows it; null for an id this Stripe never issued. */
	checkoutSession(id: string): Readonly<Session> | null {
		return this.state.sessions[id] ?? null;
	}

	/**
	 * The "Pay" button: charges the card, creates the customer (if new), the subscription and its
	 * first invoice, and sends the events Stripe sends. Test card 4000 0000 0000 0002 is declined.
	 */
	async completeCheckout(sessionId: string, card: TestCard): Promise<string> {
		const session = this.state.sessions[sessionId];
		if (!session)
			throw new StripeGatewayError(`No such checkout session: '${sessionId}'`, 'resource_missing');
		if (session.status !== 'open' || session.expires_at <= this.now()) {
			throw new StripeGatewayError(
				'This checkout session is no longer open.',
				'checkout_session_expired'
			);
		}
		const number = card.number.replace(/\D/g, '');
		if (number === '4000000000000002') {
			throw new StripeGatewayError('Your card was declined.', 'card_declined');
		}
		if (!/^\d{13,19}$/.test(number) || card.expMonth < 1 || card.expMonth > 12) {
			throw new StripeGatewayError('Your card number is incomplete.', 'incomplete_number');
		}
		const expiry = Date.UTC(card.expYear, card.expMonth, 1) / 1000;
		if (expiry <= this.now()) {
			throw new StripeGatewayError(
				"Your card's expiration year is in the past.",
				'invalid_expiry_year'
			);
		}
		const events: StripeEvent[] = [];
		const now = this.now();
		let customer = session.customer ? this.customer(session.customer) : null;
		if (!customer) {
			customer = {
				id: stripeId('cus', 14),
				object: 'customer',
				email: session.customer_email,
				balance: 0,
				invoice_prefix: stripeId('x', 8).slice(2).toUpperCase(),
				next_invoice_sequence: 1,
				metadata: {},
				invoice_settings: { default_payment_method: null },
				created: now
			};
			this.state.customers[customer.id] = customer;
			events.push(this.event('customer.created', customer));
		}
		const method: Obj = {
			id: stripeId('pm', 24),
			object: 'payment_method',
			type: 'card',
			customer: customer.id,
			card: {
				brand: cardBrand(number),
				last4: number.slice(-4),
				exp_month: card.expMonth,
				exp_year: card.expYear,
				funding: 'credit',
				country: 'US'
			},
			created: now
		};
		this.state.paymentMethods[method.id] = method;
		customer.invoice_settings.default_payment_method = method.id;

		const price = session.price;
		const end = addInterval(now, price.recurring.interval);
		const subscription: Subscription = {
			id: stripeId('sub', 24),
			object: 'subscription',
			customer: customer.id,
			status: 'active',
			items: {
				object: 'list',
				data: [
					{
						id: stripeId('si', 14),
						object: 'subscription_item',
						price,
						quantity: 1,
						current_period_start: now,
						current_period_end: end
					}
				]
			},
			cancel_at_period_end: false,
			cancel_at: null,
			canceled_at: null,
			ended_at: null,
			trial_end: null,
			billing_cycle_anchor: now,
			start_date: now,
			created: now,
			currency: price.currency,
			collection_method: 'charge_automatically',
			default_payment_method: method.id,
			latest_invoice: null,
			metadata: { tenant_id: session.client_reference_id }
		};
		this.state.subscriptions[subscription.id] = subscription;
		session.status = 'complete';
		session.customer = customer.id;
		session.subscription = subscription.id;
		// Tenantry learns the customer's tenant from the session, so the session's completion goes
		// before the card and the subscription; Stripe does not promise an order (docs/billing.md).
		events.push(
			this.event('checkout.session.completed', {
				...session,
				mode: 'subscription',
				payment_status: 'paid',
				customer_details: { email: customer.email },
				amount_total: price.unit_amount,
				currency: price.currency
			})
		);
		events.push(this.event('payment_method.attached', method));
		events.push(this.event('customer.subscription.created', subscription));
		events.push(
			...this.invoice(customer, subscription, 'subscription_create', [
				{
					description: `1 × ${price.nickname} (at ${formatAmount(price.unit_amount, price.currency)} / ${price.recurring.interval})`,
					amount: price.unit_amount,
					start: now,
					end,
					proration: false
				}
			])
		);
		this.save();
		await this.send(events);
		return session.success_url;
	}

	// -------------------------------------------------------------------------------------------
	// Customer portal (the hosted page at /dev/stripe/portal/<id>)
	// -------------------------------------------------------------------------------------------

	async createPortalSession(customerId: string, returnUrl: string) {
		this.customer(customerId);
		const id = stripeId('bps', 24);
		this.state.portalSessions[id] = {
			id,
			object: 'billing_portal.session',
			customer: customerId,
			return_url: returnUrl,
			created: this.now()
		};
		this.save();
		return { url: `${this.options.appUrl}/dev/stripe/portal/${id}` };
	}

	/** The portal as its page shows it: the customer's cards and subscriptions. */
	portal(id: string) {
		const session = this.state.portalSessions[id];
		if (!session) return null;
		const customer = this.customer(session.customer);
		return {
			session,
			customer,
			cards: Object.values(this.state.paymentMethods).filter((m) => m.customer === customer.id),
			subscriptions: Object.values(this.state.subscriptions).filter(
				(s) => s.customer === customer.id
			)
		};
	}

	/** The portal's "Add card": attaches it and makes it the default, as Stripe's portal does. */
	async addCard(portalId: string, card: TestCard): Promise<void> {
		const session = this.state.portalSessions[portalId];
		if (!session)
			throw new StripeGatewayError(`No such portal session: '${portalId}'`, 'resource_missing');
		const number = card.number.replace(/\D/g, '');
		if (!/^\d{13,19}$/.test(number)) {
			throw new StripeGatewayError('Your card number is incomplete.', 'incomplete_number');
		}
		const method: Obj = {
			id: stripeId('pm', 24),
			object: 'payment_method',
			type: 'card',
			customer: session.customer,
			card: {
				brand: cardBrand(number),
				last4: number.slice(-4),
				exp_month: card.expMonth,
				exp_year: card.expYear
			},
			created: this.now()
		};
		this.state.paymentMethods[method.id] = method;
		this.customer(session.customer).invoice_settings.default_payment_method = method.id;
		this.save();
		await this.send([this.event('payment_method.attached', method)]);
	}

	// -------------------------------------------------------------------------------------------
	// Subscriptions
	// -------------------------------------------------------------------------------------------

	async previewPlanChange(
		subscriptionId: string,
		price: PlanPrice,
		prorationDate = this.now()
	): Promise<PlanChangePreview> {
		const subscription = this.subscription(subscriptionId);
		const result = this.prorate(subscription, price, prorationDate);
		const balance = this.customer(subscription.customer).balance;
		return {
			currency: price.currency,
			prorationDate,
			lines: result.lines.map((l) => ({
				description: l.description,
				amount: l.amount,
				periodStart: new Date(l.start * 1000),
				periodEnd: new Date(l.end * 1000),
				proration: l.proration
			})),
			total: result.total,
			amountDue: Math.max(0, result.total + Math.min(0, balance)),
			periodEnd: new Date(result.periodEnd * 1000)
		};
	}

	async changePlan(change: PlanChange): Promise<void> {
		const subscription = this.subscription(change.subscriptionId);
		const item = subscription.items.data[0]!;
		const result = this.prorate(subscription, change.price, change.prorationDate);
		const resetsCycle = result.periodStart !== item.current_period_start;
		const previous = {
			items: structuredClone(subscription.items),
			...(resetsCycle ? { billing_cycle_anchor: subscription.billing_cycle_anchor } : {})
		};
		item.price = this.price(change.price);
		item.current_period_start = result.periodStart;
		item.current_period_end = result.periodEnd;
		if (resetsCycle) subscription.billing_cycle_anchor = result.periodStart;
		const events = [this.event('customer.subscription.updated', subscription, previous)];
		events.push(
			...this.invoice(
				this.customer(subscription.customer),
				subscription,
				'subscription_update',
				result.lines
			)
		);
		this.save();
		await this.send(events);
	}

	async setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<void> {
		const subscription = this.subscription(subscriptionId);
		if (subscription.status === 'canceled') {
			throw new StripeGatewayError(
				'A canceled subscription can only update its cancellation_details and metadata.',
				'resource_missing'
			);
		}
		const previous = {
			cancel_at_period_end: subscription.cancel_at_period_end,
			cancel_at: subscription.cancel_at,
			canceled_at: subscription.canceled_at
		};
		subscription.cancel_at_period_end = cancel;
		subscription.cancel_at = cancel ? subscription.items.data[0]!.current_period_end : null;
		subscription.canceled_at = cancel ? this.now() : null;
		this.save();
		await this.send([this.event('customer.subscription.updated', subscription, previous)]);
	}

	/** The dashboard's "Resend": delivers a sent event again (the ledger makes it a no-op). */
	async resend(eventId: string): Promise<string> {
		const sent = this.sent.find((s) => s.event.id === eventId);
		if (!sent) throw new StripeGatewayError(`No such event: '${eventId}'`, 'resource_missing');
		const outcome = await this.options.deliver(sent.event);
		this.sent.push({ event: sent.event, outcome });
		return outcome;
	}

	// -------------------------------------------------------------------------------------------
	// Internals
	// -------------------------------------------------------------------------------------------

	private prorate(subscription: Subscription, price: PlanPrice, at: number) {
		const item = subscription.items.data[0]!;
		if (subscription.status === 'canceled') {
			throw new StripeGatewayError('This subscription is canceled.', 'resource_missing');
		}
		if (item.price.id === price.id) {
			throw new StripeGatewayError(
				'The subscription is already on this price.',
				'parameter_invalid'
			);
		}
		if (at < item.current_period_start || at >= item.current_period_end) {
			throw new StripeGatewayError(
				'proration_date must be within the current billing period.',
				'parameter_invalid_integer'
			);
		}
		return prorate({
			periodStart: item.current_period_start,
			periodEnd: item.current_period_end,
			at,
			from: {
				name: item.price.nickname,
				unitAmount: item.price.unit_amount,
				currency: item.price.currency,
				interval: item.price.recurring.interval
			},
			to: {
				name: price.planName,
				unitAmount: price.unitAmount,
				currency: price.currency,
				interval: price.interval
			}
		});
	}

	/**
	 * Creates, finalizes and pays an invoice of these lines, applying the customer's credit
	 * balance first (a negative total becomes credit instead); returns the events.
	 */
	private invoice(
		customer: Customer,
		subscription: Subscription,
		reason: string,
		lines: ProrationLine[]
	): StripeEvent[] {
		const now = this.now();
		const total = lines.reduce((sum, l) => sum + l.amount, 0);
		const startingBalance = customer.balance;
		const applied = total > 0 ? Math.min(total, Math.max(0, -startingBalance)) : total;
		customer.balance = startingBalance + applied;
		const amountDue = Math.max(0, total - applied);
		const id = stripeId('in', 24);
		const number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence++).padStart(4, '0')}`;
		const currency = subscription.items.data[0]!.price.currency;
		const invoice: Obj = {
			id,
			object: 'invoice',
			customer: customer.id,
			customer_email: customer.email,
			number: null,
			status: 'draft',
			billing_reason: reason,
			collection_method: 'charge_automatically',
			currency,
			subtotal: total,
			total,
			tax: 0,
			amount_due: amountDue,
			amount_paid: 0,
			amount_remaining: amountDue,
			starting_balance: startingBalance,
			ending_balance: customer.balance,
			period_start: now,
			period_end: now,
			created: now,
			due_date: null,
			hosted_invoice_url: null,
			invoice_pdf: null,
			parent: {
				type: 'subscription_details',
				subscription_details: { subscription: subscription.id, metadata: subscription.metadata }
			},
			lines: {
				object: 'list',
				data: lines.map((l) => ({
					id: stripeId('il', 24),
					object: 'line_item',
					amount: l.amount,
					currency,
					description: l.description,
					quantity: 1,
					period: { start: l.start, end: l.end },
					pricing: {
						type: 'price_details',
						price_details: { price: subscription.items.data[0]!.price.id },
						unit_amount_decimal: String(l.amount)
					},
					parent: {
						type: 'subscription_item_details',
						subscription_item_details: {
							proration: l.proration,
							subscription: subscription.id,
							subscription_item: subscription.items.data[0]!.id
						}
					}
				}))
			},
			status_transitions: { finalized_at: null, paid_at: null }
		};
		const events = [this.event('invoice.created', invoice)];
		Object.assign(invoice, {
			number,
			status: 'open',
			status_transitions: { finalized_at: now, paid_at: null }
		});
		events.push(this.event('invoice.finalized', invoice));
		Object.assign(invoice, {
			status: 'paid',
			amount_paid: amountDue,
			amount_remaining: 0,
			payment_intent: amountDue > 0 ? stripeId('pi', 24) : null,
			status_transitions: { finalized_at: now, paid_at: now }
		});
		events.push(
			this.event('invoice.paid', invoice),
			this.event('invoice.payment_succeeded', invoice)
		);
		this.state.invoices[id] = invoice;
		subscription.latest_invoice = id;
		return events;
	}

	private event(type: string, object: Obj, previous?: Record<string, unknown>): StripeEvent {
		return {
			id: stripeId('evt', 24),
			object: 'event',
			api_version: API_VERSION,
			type,
			created: this.now(),
			livemode: false,
			pending_webhooks: 1,
			request: { id: stripeId('req', 14), idempotency_key: null },
			data: {
				object: structuredClone(object),
				...(previous ? { previous_attributes: previous } : {})
			}
		};
	}

	private async send(events: StripeEvent[]): Promise<void> {
		for (const event of events) {
			this.sent.push({ event, outcome: await this.options.deliver(event) });
		}
	}

	private price(price: PlanPrice): Price {
		return {
			id: price.id,
			object: 'price',
			unit_amount: price.unitAmount,
			currency: price.currency,
			recurring: { interval: price.interval, interval_count: 1 },
			product: `prod_${price.planCode}`,
			nickname: price.planName
		};
	}

	private customer(id: string): Customer {
		const customer = this.state.customers[id];
		if (!customer) throw new StripeGatewayError(`No such customer: '${id}'`, 'resource_missing');
		return customer;
	}

	private subscription(id: string): Subscription {
		const subscription = this.state.subscriptions[id];
		if (!subscription)
			throw new StripeGatewayError(`No such subscription: '${id}'`, 'resource_missing');
		return subscription;
	}

	private save(): void {
		const file = this.options.stateFile;
		if (!file) return;
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, JSON.stringify(this.state), { mode: 0o600 });
	}
}
