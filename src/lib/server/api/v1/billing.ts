/** Billing, read-only: the live subscription and the invoices (public.billing_overview decides who sees what). */
import { z } from 'zod';
import { billingOverview } from '../../billing/queries';
import { endpoint } from '../endpoint';
import { listEndpoint } from './shared';

export const subscriptionSchema = z
	.object({
		id: z.uuid(),
		status: z.string(),
		plan_code: z.string(),
		plan_name: z.string(),
		billing_interval: z.enum(['month', 'year']),
		currency: z.string(),
		price: z.number(),
		current_period_start: z.string().nullable(),
		current_period_end: z.string().nullable(),
		trial_end: z.string().nullable(),
		cancel_at_period_end: z.boolean(),
		past_due_since: z.string().nullable(),
		live: z.boolean()
	})
	.meta({ id: 'Subscription' });

export const invoiceSchema = z
	.object({
		id: z.uuid(),
		number: z.string().nullable(),
		status: z.string(),
		currency: z.string(),
		total: z.number(),
		amount_due: z.number(),
		amount_paid: z.number(),
		period_start: z.string().nullable(),
		period_end: z.string().nullable(),
		issued_at: z.string().nullable(),
		paid_at: z.string().nullable(),
		hosted_invoice_url: z.string().nullable(),
		pdf_url: z.string().nullable()
	})
	.meta({ id: 'Invoice' });

export const getSubscription = endpoint(
	{
		method: 'GET',
		path: '/billing/subscription',
		operationId: 'getSubscription',
		summary: 'The subscription (billing.read); null when there is none',
		tag: 'Billing',
		response: z
			.object({ subscription: subscriptionSchema.nullable() })
			.meta({ id: 'SubscriptionEnvelope' })
	},
	async ({ trx, tenant }) => {
		const s = (await billingOverview(trx, tenant.id)).subscription;
		return {
			subscription: s && {
				id: s.id,
				status: s.status,
				plan_code: s.planCode,
				plan_name: s.planName,
				billing_interval: s.billingInterval,
				currency: s.currency,
				price: s.price,
				current_period_start: s.currentPeriodStart,
				current_period_end: s.currentPeriodEnd,
				trial_end: s.trialEnd,
				cancel_at_period_end: s.cancelAtPeriodEnd,
				past_due_since: s.pastDueSince,
				live: s.live
			}
		};
	}
);

export const listInvoices = listEndpoint(
	{
		path: '/billing/invoices',
		operationId: 'listInvoices',
		summary: 'Invoices (billing.read)',
		tag: 'Billing',
		item: invoiceSchema,
		pageId: 'InvoicePage'
	},
	async ({ trx, tenant }) => {
		const invoices = (await billingOverview(trx, tenant.id)).invoices.map((i) => ({
			id: i.id,
			number: i.number,
			status: i.status,
			currency: i.currency,
			total: i.total,
			amount_due: i.amountDue,
			amount_paid: i.amountPaid,
			period_start: i.periodStart,
			period_end: i.periodEnd,
			issued_at: i.issuedAt,
			paid_at: i.paidAt,
			hosted_invoice_url: i.hostedInvoiceUrl,
			pdf_url: i.pdfUrl
		}));
		return invoices;
	},
	(i) => i.id
);
