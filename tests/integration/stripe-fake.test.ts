import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyThroughWebhookPath, forwardSigned } from '../../src/lib/server/billing/deliver';
import { FakeStripe, type StripeEvent } from '../../src/lib/server/billing/fake';
import type { PlanPrice } from '../../src/lib/server/billing/gateway';
import { addInterval, prorate } from '../../src/lib/server/billing/proration';
import type { EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import type { WireServer } from '../../src/lib/server/platform/wire';
import { freePort } from '../support/app';
import { seeded, servedEmbedded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const at = (iso: string) => Date.parse(iso) / 1000;
const price = (
	code: string,
	name: string,
	amount: number,
	interval: 'month' | 'year' = 'month'
): PlanPrice => ({
	id: `price_tenantry_${code}_${interval === 'year' ? 'yearly' : 'monthly'}`,
	planCode: code,
	planName: name,
	unitAmount: amount,
	currency: 'usd',
	interval
});
const PRO = price('pro', 'Pro', 2900);
const BUSINESS = price('business', 'Business', 9900);
const BUSINESS_YEARLY = price('business', 'Business', 99000, 'year');

describe('proration, the way Stripe computes it', () => {
	const period = { periodStart: at('2026-11-01T00:00:00Z'), periodEnd: at('2026-12-01T00:00:00Z') };
	const pro = { name: 'Pro', unitAmount: 2900, currency: 'usd', interval: 'month' as const };
	const business = {
		name: 'Business',
		unitAmount: 9900,
		currency: 'usd',
		interval: 'month' as const
	};

	it('credits the unused time and charges the remaining time, each rounded to the cent', () => {
		// 10 of 30 days left: −2900/3 = −966.67 → −967; 9900/3 = 3300.
		const up = prorate({ ...period, at: at('2026-11-21T00:00:00Z'), from: pro, to: business });
		expect(up.lines.map((l) => [l.description, l.amount])).toEqual([
			['Unused time on Pro after 21 Nov 2026', -967],
			['Remaining time on Business after 21 Nov 2026', 3300]
		]);
		expect(up.total).toBe(2333);
		expect([up.periodStart, up.periodEnd]).toEqual([period.periodStart, period.periodEnd]);
		// To the second: 1,252,799 of 2,592,000 s left → 2900 × … = 1401.67 → 1402; 9900 × … = 4785.0 → 4785.
		const second = prorate({ ...period, at: at('2026-11-16T12:00:01Z'), from: pro, to: business });
		expect(second.lines.map((l) => l.amount)).toEqual([-1402, 4785]);
		const down = prorate({ ...period, at: at('2026-11-21T00:00:00Z'), from: business, to: pro });
		expect(down.total).toBe(-3300 + 967);
	});

	it('resets the cycle for another interval: the unused time credited, a full new period charged', () => {
		const year = { ...business, unitAmount: 99000, interval: 'year' as const };
		const change = prorate({ ...period, at: at('2026-11-21T00:00:00Z'), from: pro, to: year });
		expect(change.lines.map((l) => [l.description, l.amount, l.proration])).toEqual([
			['Unused time on Pro after 21 Nov 2026', -967, true],
			['1 × Business (at $990.00 / year)', 99000, false]
		]);
		expect([change.periodStart, change.periodEnd]).toEqual([
			at('2026-11-21T00:00:00Z'),
			at('2027-11-21T00:00:00Z')
		]);
	});

	it("advances months like Stripe: the anchor day, or the month's last day when shorter", () => {
		expect(addInterval(at('2027-01-31T09:30:00Z'), 'month')).toBe(at('2027-02-28T09:30:00Z'));
		expect(addInterval(at('2027-02-28T09:30:00Z'), 'month', 31)).toBe(at('2027-03-31T09:30:00Z'));
		expect(addInterval(at('2028-02-29T00:00:00Z'), 'year')).toBe(at('2029-02-28T00:00:00Z'));
		expect(() => prorate({ ...period, at: period.periodEnd, from: pro, to: business })).toThrow(
			RangeError
		);
	});
});

describe('the fake Stripe, applied through the webhook path', () => {
	let t: TestEngine;
	let stripe: FakeStripe;
	let clock = Date.now();
	const db = () => t.engine.db;

	beforeAll(async () => {
		t = await seeded(embeddedFactory);
		stripe = new FakeStripe({
			appUrl: 'http://localhost:3000',
			deliver: applyThroughWebhookPath(t.engine.db),
			now: () => clock
		});
	});
	afterAll(() => t.dispose());

	const live = async () => {
		const { rows } = await sql<{
			code: string;
			status: string;
			stripe_subscription_id: string | null;
			cancel_at_period_end: boolean;
			current_period_end: Date;
		}>`select p.code, s.status, s.stripe_subscription_id, s.cancel_at_period_end, s.current_period_end
			from public.subscriptions s join public.plans p on p.id = s.plan_id
			where s.tenant_id = ${ACME} and s.status in ('trialing', 'active', 'past_due', 'pending_verification')`.execute(
			db()
		);
		return rows;
	};
	const outcomes = (from: number) =>
		stripe.sent.slice(from).map((s) => `${s.event.type}:${s.outcome}`);

	it('checkout: a declined card changes nothing; a good one links the customer and replaces the subscription', async () => {
		const session = await stripe.createCheckoutSession({
			tenantId: ACME,
			customerId: null,
			email: 'billing@acme.test',
			price: BUSINESS,
			successUrl: 'http://localhost:3000/t/acme/billing?checkout={CHECKOUT_SESSION_ID}',
			cancelUrl: 'http://localhost:3000/t/acme/billing'
		});
		expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
		expect(session.url).toBe(`http://localhost:3000/dev/stripe/checkout/${session.id}`);
		await expect(
			stripe.completeCheckout(session.id, {
				number: '4000 0000 0000 0002',
				expMonth: 12,
				expYear: 2034
			})
		).rejects.toMatchObject({ code: 'card_declined' });
		expect(stripe.sent).toHaveLength(0);

		const back = await stripe.completeCheckout(session.id, {
			number: '5555 5555 5555 4444',
			expMonth: 12,
			expYear: 2034
		});
		expect(back).toBe(`http://localhost:3000/t/acme/billing?checkout=${session.id}`);
		expect(outcomes(0)).toEqual([
			'customer.created:ignored',
			'checkout.session.completed:applied',
			'payment_method.attached:applied',
			'customer.subscription.created:applied',
			'invoice.created:ignored',
			'invoice.finalized:applied',
			'invoice.paid:applied',
			'invoice.payment_succeeded:ignored'
		]);
		const [subscription] = await live();
		expect(subscription).toMatchObject({ code: 'business', status: 'active' });
		const { rows: cards } = await sql<{ brand: string; last4: string }>`
			select brand, last4 from public.payment_methods where tenant_id = ${ACME} and stripe_payment_method_id <> 'pm_1DemoAcmeVisa4242'`.execute(
			db()
		);
		expect(cards).toEqual([{ brand: 'mastercard', last4: '4444' }]);
		expect(subscription!.stripe_subscription_id).toMatch(/^sub_/);
		const { rows: invoices } = await sql<{ status: string; total: string; number: string }>`
			select status, total, number from public.invoices where tenant_id = ${ACME} and stripe_invoice_id is not null`.execute(
			db()
		);
		expect(invoices).toEqual([
			{ status: 'paid', total: '9900', number: expect.stringMatching(/^[A-Z0-9]{8}-0001$/) }
		]);
		await expect(
			stripe.completeCheckout(session.id, {
				number: '4242424242424242',
				expMonth: 1,
				expYear: 2035
			})
		).rejects.toMatchObject({ code: 'checkout_session_expired' });
	});

	it('a plan change is previewed, then charged exactly as previewed; the event moves the subscription', async () => {
		const [subscription] = await live();
		const id = subscription!.stripe_subscription_id!;
		clock += 10 * 86_400_000;
		const preview = await stripe.previewPlanChange(id, PRO);
		expect(preview.lines.map((l) => l.description)).toEqual([
			expect.stringMatching(/^Unused time on Business after /),
			expect.stringMatching(/^Remaining time on Pro after /)
		]);
		expect(preview.total).toBeLessThan(0);
		expect(preview.amountDue).toBe(0);

		const before = stripe.sent.length;
		clock += 5_000;
		await stripe.changePlan({
			subscriptionId: id,
			price: PRO,
			prorationDate: preview.prorationDate
		});
		expect(outcomes(before)).toEqual([
			'customer.subscription.updated:applied',
			'invoice.created:ignored',
			'invoice.finalized:applied',
			'invoice.paid:applied',
			'invoice.payment_succeeded:ignored'
		]);
		expect((await live())[0]).toMatchObject({ code: 'pro', status: 'active' });
		const { rows } = await sql<{ total: string; amount_due: string; lines: string }>`
			select i.total, i.amount_due, (select count(*) from public.invoice_lines l where l.invoice_id = i.id) as lines
			from public.invoices i where i.tenant_id = ${ACME} and i.stripe_invoice_id is not null
			order by i.created_at desc limit 1`.execute(db());
		expect(rows[0]).toEqual({ total: String(preview.total), amount_due: '0', lines: '2' });

		// The credit stays on the customer's balance and pays the next charge first.
		const up = await stripe.previewPlanChange(id, BUSINESS);
		expect(up.amountDue).toBe(Math.max(0, up.total + preview.total));
	});

	it('a redelivered event is a no-op; cancel at period end and resume move the flag', async () => {
		const [subscription] = await live();
		const id = subscription!.stripe_subscription_id!;
		clock += 1_000;
		await stripe.setCancelAtPeriodEnd(id, true);
		expect((await live())[0]!.cancel_at_period_end).toBe(true);
		const cancelled = stripe.sent.at(-1)!.event as StripeEvent;
		expect(cancelled.data.previous_attributes).toEqual({
			cancel_at_period_end: false,
			cancel_at: null,
			canceled_at: null
		});

		clock += 1_000;
		await stripe.setCancelAtPeriodEnd(id, false);
		expect((await live())[0]!.cancel_at_period_end).toBe(false);
		expect(await stripe.resend(cancelled.id)).toBe('duplicate');
		expect((await live())[0]!.cancel_at_period_end).toBe(false);
	});

	it('an interval change resets the period to a year from the change', async () => {
		const [subscription] = await live();
		clock += 1_000;
		const preview = await stripe.previewPlanChange(
			subscription!.stripe_subscription_id!,
			BUSINESS_YEARLY
		);
		await stripe.changePlan({
			subscriptionId: subscription!.stripe_subscription_id!,
			price: BUSINESS_YEARLY,
			prorationDate: preview.prorationDate
		});
		const [after] = await live();
		expect(after!.code).toBe('business');
		expect(after!.current_period_end.getTime() / 1000).toBe(
			addInterval(preview.prorationDate, 'year')
		);
		await expect(stripe.previewPlanChange('sub_NeverIssued', PRO)).rejects.toMatchObject({
			code: 'resource_missing'
		});
	});

	it('forwards events to the served function signed as Stripe signs them', async () => {
		const secret = 'whsec_testsecret123';
		const received: string[] = [];
		const server = createServer((req, res) => {
			let body = '';
			req.on('data', (c) => (body += c));
			req.on('end', async () => {
				try {
					const event = await new Stripe('sk_test_x').webhooks.constructEventAsync(
						body,
						String(req.headers['stripe-signature']),
						secret
					);
					received.push(event.id);
					res
						.writeHead(200, { 'content-type': 'application/json' })
						.end(JSON.stringify({ received: true, outcome: 'applied' }));
				} catch {
					res.writeHead(400).end('{"error":"bad signature"}');
				}
			});
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const { port } = server.address() as { port: number };
		const event = stripe.sent[0]!.event;
		try {
			expect(await forwardSigned(`http://127.0.0.1:${port}/`, secret)(event)).toBe('applied');
			expect(received).toEqual([event.id]);
			await expect(
				forwardSigned(`http://127.0.0.1:${port}/`, 'whsec_wrong')(event)
			).rejects.toThrow(/400/);
		} finally {
			server.close();
		}
	});
});

describe('the fake Stripe forwarding to the served stripe-webhook function (Deno)', () => {
	const secret = 'whsec_fakeforwardtest';
	let engine: EmbeddedEngine;
	let wire: WireServer;
	let functions: ChildProcess;
	let url: string;

	beforeAll(async () => {
		({ engine, wire } = await servedEmbedded({ seed: true, maxConnections: 8 }));
		const port = await freePort();
		url = `http://127.0.0.1:${port}/functions/v1/stripe-webhook`;
		functions = spawn(
			resolve('node_modules/.bin/deno'),
			['run', '--allow-net', '--allow-env', '--allow-read', '_dev/serve.ts'],
			{
				cwd: 'supabase/functions',
				env: {
					...process.env,
					SUPABASE_DB_URL: wire.url,
					STRIPE_WEBHOOK_SIGNING_SECRET: secret,
					FUNCTIONS_PORT: String(port),
					NO_COLOR: '1'
				},
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		let output = '';
		functions.stdout!.on('data', (d) => (output += d));
		functions.stderr!.on('data', (d) => (output += d));
		const deadline = Date.now() + 120_000;
		while (!output.includes('edge functions:')) {
			if (functions.exitCode !== null || Date.now() > deadline) throw new Error(output);
			await new Promise((r) => setTimeout(r, 100));
		}
	}, 180_000);
	afterAll(async () => {
		functions?.kill('SIGTERM');
		await wire?.stop();
		await engine?.close();
	});

	it('a checkout reaches the database through the function, signature checked', async () => {
		const GLOBEX = 'b0000000-0000-4000-8000-000000000002';
		const stripe = new FakeStripe({
			appUrl: 'http://localhost:3000',
			deliver: forwardSigned(url, secret)
		});
		const session = await stripe.createCheckoutSession({
			tenantId: GLOBEX,
			customerId: null,
			email: 'billing@globex.test',
			price: PRO,
			successUrl: 'http://localhost:3000/t/globex/billing',
			cancelUrl: 'http://localhost:3000/t/globex/billing'
		});
		await stripe.completeCheckout(session.id, {
			number: '4242424242424242',
			expMonth: 1,
			expYear: 2035
		});
		expect(stripe.sent.map((s) => s.outcome)).toContain('applied');
		const { rows } = await sql<{ code: string; status: string }>`
			select p.code, s.status from public.subscriptions s join public.plans p on p.id = s.plan_id
			where s.tenant_id = ${GLOBEX} and s.stripe_subscription_id is not null`.execute(engine.db);
		expect(rows).toEqual([{ code: 'pro', status: 'active' }]);
		await expect(forwardSigned(url, 'whsec_wrong')(stripe.sent[0]!.event)).rejects.toThrow(/400/);
	});
});
