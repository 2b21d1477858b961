import { z } from 'zod';
import type { StaffRole, SubscriptionStatus, TenantStatus } from '$lib/server/platform/database';
import { enumValues } from '../enums';
import { emailAddress, id, optionalText, requiredText, tooLong } from '../forms/messages';

/** The staff roles of public.staff_role; super_admin satisfies every role. */
export const STAFF_ROLES = enumValues<StaffRole>()(['super_admin', 'support', 'billing_admin']);
export type { StaffRole };

/** Does `role` include `needed`? super_admin includes every role, as private.is_platform_staff says. */
export function hasStaffRole(role: StaffRole | null, needed: StaffRole): boolean {
	return role === 'super_admin' || (role !== null && role === needed);
}

export const TENANT_STATUSES = enumValues<TenantStatus>()([
	'pending',
	'active',
	'suspended',
	'archived'
]);
export const SUBSCRIPTION_STATUSES = enumValues<SubscriptionStatus>()([
	'trialing',
	'active',
	'past_due',
	'pending_verification',
	'cancelled',
	'expired'
]);

/** The metrics a plan limits (public.usage_metrics, fixed by migration). */
export const LIMIT_METRICS = [
	'members',
	'projects',
	'storage_bytes',
	'api_calls',
	'compute_minutes'
] as const;

const uuid = id('Unknown item: reload the page and try again.');

/** Tenant list filters, from the query string: anything unknown falls back to "all". */
/** The lists' status filter beside their search, sort and paging (platform/list.ts); unknown is "all". */
export const tenantFilterSchema = z.object({
	status: z.enum(TENANT_STATUSES).optional().catch(undefined)
});

export const subscriptionFilterSchema = z.object({
	status: z.enum(SUBSCRIPTION_STATUSES).optional().catch(undefined)
});

/** The same bounds as private.require_status_reason (TN131). */
const reason = requiredText('reason', 500, 'Give a reason: the organisation’s members see it.');

export const approveTenantSchema = z.object({});
export const suspendTenantSchema = z.object({ reason });
export const reactivateTenantSchema = z.object({ reason });
export const archiveTenantSchema = z.object({ reason });

/** A rejection tells the tenant why (payments_rejection_note): its note is required. */
export const REJECTION_NOTE_REQUIRED =
	'Say why the payment is rejected: the organisation sees this note.';

export const verifyPaymentSchema = z
	.object({
		paymentId: uuid,
		decision: z.enum(['approve', 'reject'], { error: 'Approve or reject the payment.' }),
		note: optionalText('note', 2000),
		/** Ticked to approve a declared amount that differs from the expected one (SQL refuses it otherwise: TN079). */
		acceptAmount: z
			.string()
			.optional()
			.transform((v) => v === 'on'),
		/** Why a different amount is approved: audited; SQL requires it with acceptAmount (TN131). */
		reason: optionalText('reason', 500)
	})
	.refine((form) => form.decision !== 'reject' || form.note !== '', {
		path: ['note'],
		error: REJECTION_NOTE_REQUIRED,
		when: (payload) => payload.issues.every((issue) => issue.path?.[0] !== 'decision')
	});

export const addStaffSchema = z.object({
	email: emailAddress(255),
	role: z.enum(STAFF_ROLES, { error: 'Choose a staff role.' })
});
export const changeStaffSchema = z.object({
	userId: uuid,
	role: z.enum(STAFF_ROLES, { error: 'Choose a staff role.' })
});
export const removeStaffSchema = z.object({ userId: uuid });

/** "29.00" → 2900 minor units; empty is 0. */
const money = z
	.string({ error: 'Enter an amount such as 29 or 29.00.' })
	.trim()
	.regex(/^\d{1,9}(\.\d{1,2})?$|^$/, { error: 'Enter an amount such as 29 or 29.00.' })
	.transform((v) => (v === '' ? 0 : Math.round(Number(v) * 100)));

/** An optional whole number: empty means "no limit". */
const limit = z
	.string()
	.default('')
	.pipe(
		z
			.string()
			.trim()
			.regex(/^\d{0,15}$/, { error: 'Enter a whole number, or leave empty for no limit.' })
	)
	.transform((v) => (v === '' ? null : Number(v)));

const stripePrice = z
	.string()
	.default('')
	.pipe(
		z
			.string()
			.trim()
			.max(255, { error: tooLong('price id', 255) })
			.regex(/^(price_[A-Za-z0-9_]+)?$/, {
				error: 'Stripe price ids look like price_… (or leave empty).'
			})
	)
	.transform((v) => (v === '' ? null : v));

const features = z
	.string()
	.default('')
	.pipe(
		z
			.string()
			.trim()
			.max(10_000, { error: tooLong('feature flags', 10_000) })
	)
	.transform((text, ctx) => {
		if (text === '') return {};
		try {
			const value: unknown = JSON.parse(text);
			if (value && typeof value === 'object' && !Array.isArray(value))
				return value as Record<string, unknown>;
		} catch {
			// reported below
		}
		ctx.addIssue({
			code: 'custom',
			message: 'Write the feature flags as a JSON object, e.g. {"sso": true}.'
		});
		return z.NEVER;
	});

const limitFields = Object.fromEntries(
	LIMIT_METRICS.flatMap((m) => [
		[`soft_${m}`, limit],
		[`hard_${m}`, limit]
	])
) as Record<
	`soft_${(typeof LIMIT_METRICS)[number]}` | `hard_${(typeof LIMIT_METRICS)[number]}`,
	typeof limit
>;

/** The plans editor: one form for a plan and its limit per metric (public.plans, plan_limits). */
export const planSchema = z
	.object({
		id: z
			.union([z.literal(''), uuid], { error: 'Unknown plan: reload the page and try again.' })
			.transform((v) => v || null),
		key: z
			.string({ error: 'Give the plan a key.' })
			.trim()
			.regex(/^[a-z][a-z0-9_-]{1,39}$/, {
				error: 'Use 2–40 lowercase letters, digits, _ or -, starting with a letter.'
			}),
		name: requiredText('name', 80, 'Give the plan a name.'),
		description: optionalText('description', 1000),
		currency: z
			.string({ error: 'Use a three-letter currency code such as usd.' })
			.trim()
			.toLowerCase()
			.regex(/^[a-z]{3}$/, { error: 'Use a three-letter currency code such as usd.' }),
		priceMonthly: money,
		priceYearly: money,
		trialDays: z.coerce
			.number({ error: 'Enter a number of days.' })
			.int({ error: 'Enter a whole number of days.' })
			.min(0, { error: 'Between 0 and 365 days.' })
			.max(365, { error: 'Between 0 and 365 days.' }),
		features,
		stripePriceMonthly: stripePrice,
		stripePriceYearly: stripePrice,
		active: z
			.string()
			.optional()
			.transform((v) => v === 'on'),
		...limitFields
	})
	.superRefine(
		(plan, ctx) => {
			// A limit pair is compared only once both of its values parsed.
			const failed = new Set(ctx.issues.map((i) => String(i.path?.[0])));
			for (const m of LIMIT_METRICS) {
				const soft: unknown = plan[`soft_${m}`];
				const hard: unknown = plan[`hard_${m}`];
				if (failed.has(`soft_${m}`) || failed.has(`hard_${m}`)) continue;
				if (typeof soft === 'number' && typeof hard === 'number' && soft > hard)
					ctx.addIssue({
						code: 'custom',
						path: [`soft_${m}`],
						message: 'The soft limit cannot be above the hard limit.'
					});
			}
		},
		// Also when other fields failed, so every error shows at once.
		{ when: () => true }
	)
	// The form names it `key` (its label): `code` is the name the session forms keep secret.
	.transform(({ key, ...plan }) => ({ ...plan, code: key }));

export type PlanInput = z.output<typeof planSchema>;
