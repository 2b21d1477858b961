import { error, fail, redirect } from '@sveltejs/kit';
import {
	cancelSchema,
	confirmChangeSchema,
	paymentProofSchema,
	planChoiceSchema
} from '$lib/server/billing/schemas';
import { getStripe, StripeGatewayError, type PlanChangePreview } from '$lib/server/billing';
import {
	PROOF_BODY_MAX_BYTES,
	PROOF_BUCKET,
	PROOF_KINDS,
	PROOF_MAX_BYTES
} from '$lib/server/billing/proofs';
import { storageAdapter, storeUpload, UploadRefused } from '$lib/server/storage/service';
import { withClaims } from '$lib/server/platform/db';
import {
	billingOverview,
	cancelSubscription,
	invoicePage,
	listPlans,
	planPrice,
	submitPaymentProof,
	type BillingOverview,
	type Interval,
	type Plan
} from '$lib/server/billing/queries';
import { tenantAction, tenantOf } from '$lib/server/tenancy/actions';
import type { TenantDetail } from '$lib/server/tenancy/tenants';
import type { DB } from '$lib/server/platform/database';
import type { Transaction } from 'kysely';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { BodyTooLargeError, readFormDataCapped } from '$lib/server/platform/web/body';
import { formError } from '$lib/server/platform/web/forms';
import { inTransaction, refused, requireClaims } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

/** The billing state as the caller may see it, in the request's transaction: TN002 (no billing.read) is a 403 page. */
async function readBilling(trx: Transaction<DB>, tenantId: string) {
	try {
		return { overview: await billingOverview(trx, tenantId), plans: await listPlans(trx) };
	} catch (e) {
		if ((e as { code?: string }).code === 'TN002')
			error(403, 'You cannot see this organisation’s billing.');
		throw e;
	}
}

type Preview =
	| { kind: 'proration'; plan: Plan; interval: Interval; stripe: PlanChangePreview }
	| { kind: 'checkout'; plan: Plan; interval: Interval; amount: number; currency: string }
	| { kind: 'error'; message: string };

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant } = await parent();
	const { overview, plans, invoices } = await withClaims(requireClaims(locals), async (trx) => ({
		...(await readBilling(trx, tenant.id)),
		invoices: await invoicePage(trx, tenant.id, url.searchParams)
	}));
	const stripe = await getStripe();
	let preview: Preview | null = null;
	const choice = planChoiceSchema.safeParse({
		plan: url.searchParams.get('plan') ?? '',
		interval: url.searchParams.get('interval') ?? ''
	});
	if (choice.success && overview.canManage && stripe) {
		preview = await previewChange(overview, plans, choice.data.plan, choice.data.interval);
	}
	return {
		overview,
		plans,
		invoices,
		preview,
		cardPayments: stripe !== null,
		proofMaxBytes: PROOF_MAX_BYTES,
		checkedOut: url.searchParams.has('checkout')
	};
};

/**
 * What a change will cost before it is made: Stripe's proration for a Stripe subscription, or
 * the first payment of a new one (checkout) for a tenant on a free or manually paid plan.
 */
async function previewChange(
	overview: BillingOverview,
	plans: Plan[],
	code: string,
	interval: Interval
): Promise<Preview> {
	const plan = plans.find((p) => p.code === code);
	const price = plan && planPrice(plan, interval);
	if (!plan || !price) return { kind: 'error', message: 'That plan cannot be bought by card.' };
	const current = overview.subscription;
	if (
		current?.stripeSubscriptionId &&
		['active', 'trialing', 'past_due'].includes(current.status)
	) {
		if (current.stripePriceId === price.id) {
			return { kind: 'error', message: 'You are already on this plan.' };
		}
		try {
			const stripe = await getStripe();
			return {
				kind: 'proration',
				plan,
				interval,
				stripe: await stripe!.previewPlanChange(current.stripeSubscriptionId, price)
			};
		} catch (e) {
			if (e instanceof StripeGatewayError) return { kind: 'error', message: e.message };
			throw e;
		}
	}
	return { kind: 'checkout', plan, interval, amount: price.unitAmount, currency: price.currency };
}

/**
 * The page's state for an action (no layout data there), read in the action's one transaction,
 * refusing those without billing.manage. Stripe is called after it commits: no transaction waits
 * on the network.
 */
async function manage(trx: Transaction<DB>, tenant: TenantDetail) {
	const { overview, plans } = await readBilling(trx, tenant.id);
	if (!overview.canManage) error(403, 'You cannot manage this organisation’s billing.');
	return { tenant, overview, plans };
}

const billingPath = (slug: string) => `/t/${slug}/billing`;

function gatewayFailure(e: unknown, values: Record<string, string>) {
	if (e instanceof StripeGatewayError) return formError(400, e.message, values);
	throw e;
}

export const actions: Actions = {
	checkout: async (event) => {
		const found = await tenantAction(event, planChoiceSchema, async (trx, tenant, form) => ({
			...(await manage(trx, tenant)),
			form
		}));
		if (refused(found)) return found;
		const { tenant, overview, plans, form } = found;
		const stripe = await getStripe();
		const plan = plans.find((p) => p.code === form.input.plan);
		const price = plan && planPrice(plan, form.input.interval);
		if (!stripe || !price)
			return formError(400, 'That plan cannot be bought by card.', form.values);
		const base = event.url.origin + billingPath(tenant.slug);
		let url: string;
		try {
			url = (
				await stripe.createCheckoutSession({
					tenantId: tenant.id,
					customerId: overview.account?.stripeCustomerId ?? null,
					email: overview.account?.billingEmail ?? event.locals.claims?.email ?? null,
					price,
					successUrl: `${base}?checkout={CHECKOUT_SESSION_ID}`,
					cancelUrl: base
				})
			).url;
		} catch (e) {
			return gatewayFailure(e, form.values);
		}
		redirect(303, url);
	},

	change: async (event) => {
		const found = await tenantAction(event, confirmChangeSchema, async (trx, tenant, form) => ({
			...(await manage(trx, tenant)),
			form
		}));
		if (refused(found)) return found;
		const { tenant, overview, plans, form } = found;
		const stripe = await getStripe();
		const subscriptionId = overview.subscription?.stripeSubscriptionId;
		const plan = plans.find((p) => p.code === form.input.plan);
		const price = plan && planPrice(plan, form.input.interval);
		if (!stripe || !subscriptionId || !price) {
			return formError(400, 'Preview the change again.', form.values);
		}
		if (Math.abs(Date.now() / 1000 - form.input.prorationDate) > 3600) {
			return formError(
				400,
				'That preview is more than an hour old: preview the change again.',
				form.values
			);
		}
		try {
			await stripe.changePlan({ subscriptionId, price, prorationDate: form.input.prorationDate });
		} catch (e) {
			return gatewayFailure(e, form.values);
		}
		redirect(303, `${billingPath(tenant.slug)}?changed=${plan.code}`);
	},

	/** A manual subscription is changed in the same transaction; a Stripe one at Stripe, after it. */
	cancel: async (event) => {
		const stripe = await getStripe();
		const found = await tenantAction(
			event,
			cancelSchema,
			async (trx, tenant, { input, values }) => {
				const { overview } = await manage(trx, tenant);
				const subscription = overview.subscription;
				if (!subscription) return formError(400, 'There is no subscription to cancel.', values);
				if (subscription.stripeSubscriptionId) {
					if (!stripe) return formError(400, 'Card payments are not set up.', values);
				} else {
					await cancelSubscription(trx, tenant.id, input.cancel);
				}
				return { stripeSubscriptionId: subscription.stripeSubscriptionId, input, values };
			}
		);
		if (refused(found)) return found;
		const { stripeSubscriptionId, input, values } = found;
		if (stripeSubscriptionId) {
			try {
				await stripe!.setCancelAtPeriodEnd(stripeSubscriptionId, input.cancel);
			} catch (e) {
				return gatewayFailure(e, values);
			}
		}
		return {
			ok: input.cancel
				? 'Your subscription ends at the end of this period.'
				: 'Your subscription continues.'
		};
	},

	portal: async (event) => {
		const found = await tenantAction(event, null, (trx, tenant) => manage(trx, tenant));
		if (refused(found)) return found;
		const { tenant, overview } = found;
		const stripe = await getStripe();
		const customer = overview.account?.stripeCustomerId;
		if (!stripe || !customer) return formError(400, 'Pay by card once to manage cards.', {});
		let url: string;
		try {
			url = (
				await stripe.createPortalSession(customer, event.url.origin + billingPath(tenant.slug))
			).url;
		} catch (e) {
			return gatewayFailure(e, {});
		}
		redirect(303, url);
	},

	/**
	 * The session and billing.manage are checked before a byte of the body is read, and the body is
	 * read with a cap (Content-Length first, then as it streams): a stranger's or an oversized upload
	 * is answered without being buffered. So this action takes two transactions: the check, before
	 * the body, and the write, after it.
	 */
	proof: async (event) => {
		if (!event.locals.claims) {
			redirect(
				303,
				`/auth/sign-in?redirectTo=${encodeURIComponent(billingPath(event.params.slug))}`
			);
		}
		const claims = event.locals.claims;
		const { tenant } = await withClaims(claims, async (trx) =>
			manage(trx, await tenantOf(trx, event.params.slug))
		);
		let data: FormData;
		try {
			data = await readFormDataCapped(event.request, PROOF_BODY_MAX_BYTES);
		} catch (e) {
			if (!(e instanceof BodyTooLargeError)) throw e;
			return fail(413, {
				errors: {
					proof: [
						`The upload is too large: attach a receipt of at most ${PROOF_MAX_BYTES / 1024 / 1024} MB.`
					]
				},
				values: {}
			});
		}
		const values: Record<string, string> = {};
		for (const [k, v] of data) if (typeof v === 'string') values[k] = v;
		const parsed = paymentProofSchema.safeParse(values);
		const errors: Record<string, string[]> = {};
		if (!parsed.success) {
			for (const issue of parsed.error.issues)
				(errors[String(issue.path[0])] ??= []).push(issue.message);
		}
		const file = data.get('proof');
		if (!(file instanceof File) || file.size === 0) {
			errors.proof = ['Attach the transfer receipt (PDF, PNG or JPEG).'];
		}
		if (!parsed.success || errors.proof) return fail(400, { errors, values });

		const { config } = await ensureRuntime();
		const written: string[] = [];
		// One transaction: the proof is stored as the tenant's billing attachment (the storage
		// policies decide), then the payment recorded; a refusal of either keeps neither, and the
		// bytes already written are removed at once (the storage.sweep job would otherwise).
		const result = await inTransaction(claims, values, async (trx) => {
			const upload = await storeUpload(trx, config, {
				bucket: PROOF_BUCKET,
				tenantId: tenant.id,
				ownerType: 'billing',
				ownerId: tenant.id,
				file: file as File,
				accept: PROOF_KINDS,
				maxBytes: PROOF_MAX_BYTES
			});
			written.push(upload.objectPath);
			await submitPaymentProof(trx, {
				tenantId: tenant.id,
				planCode: parsed.data.plan,
				interval: parsed.data.interval,
				amount: parsed.data.amount,
				proofPath: upload.objectPath
			});
		}).catch((e: unknown) => {
			if (e instanceof UploadRefused)
				return fail(e.status, { errors: { proof: [e.message] }, values });
			throw e;
		});
		if (refused(result) && written.length) {
			await storageAdapter(config)
				.remove(PROOF_BUCKET, written)
				.catch(() => undefined);
		}
		if (refused(result)) return result;
		return { ok: 'Payment proof received: it is pending verification by our billing team.' };
	}
};
