/**
 * The stripe-webhook handler in real Deno against a real database (SUPABASE_DB_URL, migrated and
 * seeded; tests/integration/edge-functions.test.ts provides one), with events signed the way
 * Stripe signs them. Stripe's API is never called.
 */
import assert from 'node:assert/strict';
import Stripe from 'npm:stripe@23.1.0';
import { closeDatabase, database } from '../_shared/db.ts';
import { handler } from './index.ts';

const SECRET = 'whsec_test_' + crypto.randomUUID().replaceAll('-', '');
Deno.env.set('STRIPE_WEBHOOK_SIGNING_SECRET', SECRET);
const stripe = new Stripe('sk_test_unused', { httpClient: Stripe.createFetchHttpClient() });
const cryptoProvider = Stripe.createSubtleCryptoProvider();

const run = crypto.randomUUID().slice(0, 8);
const customer = `cus_T${run}`;
const subscription = `sub_T${run}`;
const t0 = Math.floor(Date.now() / 1000);
let serial = 0;

function event(type: string, object: Record<string, unknown>, created = t0) {
	return { id: `evt_${run}_${++serial}`, object: 'event', type, created, data: { object } };
}

async function post(payload: string, signature?: string): Promise<Response> {
	const headers = new Headers({ 'content-type': 'application/json' });
	if (signature) headers.set('stripe-signature', signature);
	return await handler(
		new Request('http://localhost/functions/v1/stripe-webhook', {
			method: 'POST',
			body: payload,
			headers,
		}),
	);
}

async function send(evt: ReturnType<typeof event>): Promise<{ status: number; outcome?: string }> {
	const payload = JSON.stringify(evt);
	const signature = await stripe.webhooks.generateTestHeaderStringAsync({
		payload,
		secret: SECRET,
		cryptoProvider,
	});
	const response = await post(payload, signature);
	const body = await response.json();
	return { status: response.status, outcome: body.outcome };
}

function subscriptionObject(status: string, periodStart: number) {
	return {
		id: subscription,
		object: 'subscription',
		customer,
		status,
		items: {
			data: [{
				price: { id: 'price_tenantry_pro_monthly', recurring: { interval: 'month' } },
				current_period_start: periodStart,
				current_period_end: periodStart + 30 * 86400,
			}],
		},
	};
}

async function tenantId(): Promise<string> {
	const [row] = await database()<
		{ id: string }[]
	>`select id from public.tenants where slug = 'globex'`;
	return row!.id;
}

async function ledgerCount(): Promise<number> {
	const [row] = await database()<{ n: number }[]>`
		select count(*)::int as n from private.stripe_events where id like ${`evt_${run}_%`}`;
	return row!.n;
}

async function liveSubscription() {
	const [row] = await database()<
		{ status: string; plan: string; current_period_start: Date }[]
	>`select s.status, p.code as plan, s.current_period_start
		from public.subscriptions s join public.plans p on p.id = s.plan_id
		where s.stripe_subscription_id = ${subscription}`;
	return row;
}

Deno.test('stripe-webhook', async (t) => {
	await t.step('refuses a request without a signature', async () => {
		const response = await post(JSON.stringify(event('invoice.paid', {})));
		assert.deepEqual(response.status, 400);
		assert.deepEqual(await ledgerCount(), 0);
	});

	await t.step('refuses a forged signature and records nothing', async () => {
		const payload = JSON.stringify(event('checkout.session.completed', { customer }));
		const forged = await stripe.webhooks.generateTestHeaderStringAsync({
			payload,
			secret: 'whsec_not_the_real_secret',
			cryptoProvider,
		});
		const response = await post(payload, forged);
		assert.deepEqual(response.status, 400);
		assert.match((await response.json()).error, /Signature verification failed/);
		const tampered = await post(payload.replace(customer, 'cus_attacker'), forged);
		assert.deepEqual(tampered.status, 400);
		assert.deepEqual(await ledgerCount(), 0);
	});

	await t.step('links the Stripe customer to the tenant on checkout', async () => {
		const tenant = await tenantId();
		const result = await send(
			event('checkout.session.completed', {
				id: `cs_test_${run}`,
				object: 'checkout.session',
				client_reference_id: tenant,
				customer,
				subscription,
			}),
		);
		assert.deepEqual(result, { status: 200, outcome: 'applied' });
		const [account] = await database()<{ stripe_customer_id: string }[]>`
			select stripe_customer_id from public.billing_accounts where tenant_id = ${tenant}`;
		assert.deepEqual(account?.stripe_customer_id, customer);
	});

	const created = event('customer.subscription.created', subscriptionObject('active', t0), t0 + 10);
	await t.step('creates the subscription with periods read from its items', async () => {
		assert.deepEqual(await send(created), { status: 200, outcome: 'applied' });
		const row = await liveSubscription();
		assert.deepEqual(row?.status, 'active');
		assert.deepEqual(row?.plan, 'pro');
		assert.deepEqual(row?.current_period_start.getTime(), t0 * 1000);
	});

	await t.step('answers a duplicate event without applying it twice', async () => {
		assert.deepEqual(await send(created), { status: 200, outcome: 'duplicate' });
	});

	await t.step('never moves state backwards for an out-of-order event', async () => {
		const older = event(
			'customer.subscription.updated',
			subscriptionObject('past_due', t0),
			t0 + 5,
		);
		assert.deepEqual(await send(older), { status: 200, outcome: 'stale' });
		assert.deepEqual((await liveSubscription())?.status, 'active');
		const newer = event(
			'customer.subscription.updated',
			subscriptionObject('past_due', t0),
			t0 + 20,
		);
		assert.deepEqual(await send(newer), { status: 200, outcome: 'applied' });
		assert.deepEqual((await liveSubscription())?.status, 'past_due');
	});

	await t.step('records a payment method without its number', async () => {
		const attached = event('payment_method.attached', {
			id: `pm_T${run}`,
			object: 'payment_method',
			customer,
			card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
		}, t0 + 30);
		assert.deepEqual(await send(attached), { status: 200, outcome: 'applied' });
		const [method] = await database()<{ brand: string; last4: string }[]>`
			select brand, last4 from public.payment_methods where stripe_payment_method_id = ${`pm_T${run}`}`;
		assert.deepEqual(method, { brand: 'visa', last4: '4242' });
	});

	await t.step('answers 2xx to event types it does not handle, and records them', async () => {
		const unknown = event('customer.tax_id.created', { id: `txi_${run}`, customer }, t0 + 40);
		assert.deepEqual(await send(unknown), { status: 200, outcome: 'ignored' });
		assert.deepEqual(await ledgerCount(), 6);
	});

	await closeDatabase();
});
