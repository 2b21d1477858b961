/**
 * Billing queries for the tenant's billing page. Reads go through billing_overview /
 * billing_invoice (20261122003400_billing_pages.sql), which also answer while billing has
 * suspended the tenant; writes through the billing RPCs. All in the caller's transaction.
 */
import { sql, type Transaction } from 'kysely';
import type { PlanPrice } from './gateway';
import type { DB } from '../platform/database';
import { defineList, listPage, readList, type ListPage } from '../platform/list';

export type Interval = 'month' | 'year';

export interface Plan {
	id: string;
	code: string;
	name: string;
	description: string;
	currency: string;
	priceMonthly: number;
	priceYearly: number;
	stripePriceMonthly: string | null;
	stripePriceYearly: string | null;
}

export interface Subscription {
	id: string;
	status: string;
	planCode: string;
	planName: string;
	billingInterval: Interval;
	currency: string;
	price: number;
	stripePriceId: string | null;
	currentPeriodStart: string | null;
	currentPeriodEnd: string | null;
	trialEnd: string | null;
	cancelAtPeriodEnd: boolean;
	pastDueSince: string | null;
	stripeSubscriptionId: string | null;
	/** Trialing, active, past due or pending verification, as SQL says (private.is_live_subscription). */
	live: boolean;
}

export interface InvoiceSummary {
	id: string;
	number: string | null;
	status: string;
	currency: string;
	total: number;
	amountDue: number;
	amountPaid: number;
	periodStart: string | null;
	periodEnd: string | null;
	issuedAt: string | null;
	paidAt: string | null;
	hostedInvoiceUrl: string | null;
	pdfUrl: string | null;
}

export interface Payment {
	id: string;
	provider: 'stripe' | 'manual';
	amount: number;
	currency: string;
	/** Manual payments: the plan's price for the period, fixed in SQL when the proof was sent. */
	expectedAmount: number | null;
	expectedCurrency: string | null;
	status: string;
	createdAt: string;
	note: string | null;
	failureReason: string | null;
	billingInterval: Interval | null;
	planCode: string | null;
	planName: string | null;
}

export interface Card {
	id: string;
	brand: string;
	last4: string;
	expMonth: number;
	expYear: number;
	isDefault: boolean;
}

export interface BillingOverview {
	canManage: boolean;
	account: {
		billingEmail: string | null;
		companyName: string | null;
		currency: string;
		stripeCustomerId: string | null;
	} | null;
	subscription: Subscription | null;
	invoices: InvoiceSummary[];
	payments: Payment[];
	paymentMethods: Card[];
}

/** snake_case JSON from SQL → the camelCase shapes above. */
function camel<T>(value: unknown): T {
	if (Array.isArray(value)) return value.map((v) => camel(v)) as T;
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([k, v]) => [
				k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
				camel(v)
			])
		) as T;
	}
	return value as T;
}

export async function billingOverview(
	trx: Transaction<DB>,
	tenantId: string
): Promise<BillingOverview> {
	const { rows } = await sql<{
		overview: unknown;
	}>`select public.billing_overview(${tenantId}) as overview`.execute(trx);
	return camel<BillingOverview>(rows[0]!.overview);
}

export interface InvoiceDetail {
	invoice: InvoiceSummary & {
		subtotal: number;
		tax: number;
		dueAt: string | null;
		createdAt: string;
		stripeInvoiceId: string | null;
	};
	tenantName: string;
	account: {
		companyName: string | null;
		billingEmail: string | null;
		taxId: string | null;
		address: Record<string, string>;
	} | null;
	lines: {
		description: string;
		quantity: number;
		unitAmount: number | null;
		amount: number;
		periodStart: string | null;
		periodEnd: string | null;
	}[];
}

export async function billingInvoice(
	trx: Transaction<DB>,
	tenantId: string,
	invoiceId: string
): Promise<InvoiceDetail> {
	const { rows } = await sql<{
		invoice: unknown;
	}>`select public.billing_invoice(${tenantId}, ${invoiceId}) as invoice`.execute(trx);
	return camel<InvoiceDetail>(rows[0]!.invoice);
}

/** The public catalogue: active plans, cheapest first. */
export async function listPlans(trx: Transaction<DB>): Promise<Plan[]> {
	const rows = await trx
		.selectFrom('plans')
		.select([
			'id',
			'code',
			'name',
			'description',
			'currency',
			'price_monthly',
			'price_yearly',
			'stripe_price_monthly',
			'stripe_price_yearly'
		])
		.where('is_active', '=', true)
		.orderBy('sort_order')
		.execute();
	return rows.map((p) => ({
		id: p.id,
		code: p.code,
		name: p.name,
		description: p.description,
		currency: p.currency,
		priceMonthly: Number(p.price_monthly),
		priceYearly: Number(p.price_yearly),
		stripePriceMonthly: p.stripe_price_monthly,
		stripePriceYearly: p.stripe_price_yearly
	}));
}

/** A plan's Stripe price for an interval; null for a free plan or one not sold through Stripe. */
export function planPrice(plan: Plan, interval: Interval): PlanPrice | null {
	const id = interval === 'year' ? plan.stripePriceYearly : plan.stripePriceMonthly;
	const unitAmount = interval === 'year' ? plan.priceYearly : plan.priceMonthly;
	if (!id || unitAmount === 0) return null;
	return {
		id,
		planCode: plan.code,
		planName: plan.name,
		unitAmount,
		currency: plan.currency,
		interval
	};
}

export async function submitPaymentProof(
	trx: Transaction<DB>,
	input: {
		tenantId: string;
		planCode: string;
		interval: Interval;
		amount: number;
		proofPath: string;
	}
): Promise<string> {
	const { rows } = await sql<{ id: string }>`select public.submit_payment_proof(
		${input.tenantId}, ${input.planCode}, ${input.interval}::public.billing_interval, ${input.amount},
		${input.proofPath}) as id`.execute(trx);
	return rows[0]!.id;
}

/** Cancel at period end (or resume) a subscription Tenantry manages itself (not Stripe's). */
export async function cancelSubscription(
	trx: Transaction<DB>,
	tenantId: string,
	cancel: boolean
): Promise<void> {
	await sql`select public.cancel_subscription(${tenantId}, ${cancel})`.execute(trx);
}

/** The billing page's invoice list: newest first, searchable by number and status (docs/web.md#lists). */
export const invoiceList = defineList({
	prefix: 'inv',
	sorts: {
		issued: { column: 'issued_at', type: 'timestamptz' },
		number: { column: 'number', type: 'text' },
		total: { column: 'total', type: 'bigint' },
		status: { column: 'status', type: 'text' }
	},
	defaultSort: 'issued',
	defaultDir: 'desc',
	search: ['number', 'status'],
	id: { column: 'id', type: 'uuid' },
	limit: 10
});

export interface InvoiceRow {
	id: string;
	number: string | null;
	status: string;
	currency: string;
	total: number;
	issuedAt: string | null;
	periodStart: string | null;
	periodEnd: string | null;
}

/** One page of the tenant's invoices as the URL asks, under the caller's RLS (billing.read). */
export async function invoicePage(
	trx: Transaction<DB>,
	tenantId: string,
	search: URLSearchParams
): Promise<ListPage<InvoiceRow>> {
	const query = trx
		.selectFrom('invoices')
		.select([
			'id',
			'number',
			sql<string>`status::text`.as('status'),
			'currency',
			'total',
			'issued_at',
			'period_start',
			'period_end'
		])
		.where('tenant_id', '=', tenantId);
	const page = await listPage(trx, query, invoiceList, readList(search, invoiceList));
	const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
	return {
		...page,
		rows: page.rows.map((r) => ({
			id: r.id,
			number: r.number,
			status: r.status,
			currency: r.currency,
			total: Number(r.total),
			issuedAt: iso(r.issued_at),
			periodStart: iso(r.period_start),
			periodEnd: iso(r.period_end)
		}))
	};
}

/** Whether the tenant's plan has a feature, for an upgrade prompt (public.plan_feature; sso.manage or scim.manage). */
export interface PlanFeature {
	allowed: boolean;
	/** The tenant's plan (null: never billed, every feature). */
	plan: string | null;
	/** The cheapest plan that has the feature. */
	neededPlan: string | null;
}

export async function planFeature(
	trx: Transaction<DB>,
	tenantId: string,
	feature: 'sso' | 'scim' | 'ip_allowlist'
): Promise<PlanFeature> {
	const { rows } = await sql<{
		feature: { allowed: boolean; plan: string | null; needed_plan: string | null };
	}>`select public.plan_feature(${tenantId}, ${feature}) as feature`.execute(trx);
	const row = rows[0]?.feature;
	if (!row) throw new Error(`public.plan_feature answered nothing for tenant ${tenantId}.`);
	return { allowed: row.allowed, plan: row.plan, neededPlan: row.needed_plan };
}
