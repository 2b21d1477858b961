import { z } from 'zod';
import '../../forms/messages';

/** The billing page's forms; the SQL (billing RPCs) and Stripe check again. */
const plan = z
	.string({ error: 'Choose a plan.' })
	.trim()
	.regex(/^[a-z][a-z0-9_-]{1,39}$/, { error: 'Choose a plan.' });
const interval = z.enum(['month', 'year'], { error: 'Choose monthly or yearly.' });

/** A plan to preview a change to, or to check out. */
export const planChoiceSchema = z.object({ plan, interval });

/** Confirming a previewed change: charged at the preview's proration date, never a later one. */
export const confirmChangeSchema = z.object({
	plan,
	interval,
	prorationDate: z.coerce
		.number({ error: 'Preview the change again.' })
		.int({ error: 'Preview the change again.' })
		.positive({ error: 'Preview the change again.' })
});

export const cancelSchema = z.object({
	cancel: z
		.enum(['true', 'false'], { error: 'Reload the page and try again.' })
		.transform((v) => v === 'true')
});

/** "29", "29.5" or "1,290.00" in the plan's currency → minor units. */
const amount = z
	.string({ error: 'Enter the amount you paid, such as 29.00.' })
	.trim()
	.transform((v) => v.replace(/,/g, ''))
	.pipe(
		z
			.string()
			.regex(/^\d{1,9}(\.\d{1,2})?$/, { error: 'Enter the amount you paid, such as 29.00.' })
	)
	.transform((v) => Math.round(Number(v) * 100))
	.pipe(z.number().positive({ error: 'Enter the amount you paid, such as 29.00.' }));

export const paymentProofSchema = z.object({ plan, interval, amount });

/** The fake Stripe's card form (test cards only: 4242 4242 4242 4242 pays, …0002 is declined). */
export const testCardSchema = z.object({
	number: z
		.string({ error: 'Your card number is incomplete.' })
		.transform((v) => v.replace(/[\s-]/g, ''))
		.pipe(z.string().regex(/^\d{13,19}$/, { error: 'Your card number is incomplete.' })),
	expiry: z
		.string({ error: 'Enter the expiry as MM / YY.' })
		.trim()
		.regex(/^(0[1-9]|1[0-2])\s*\/\s*\d{2}$/, { error: 'Enter the expiry as MM / YY.' })
		.transform((v) => {
			const [month, year] = v.split('/').map((p) => Number(p.trim()));
			return { expMonth: month!, expYear: 2000 + year! };
		}),
	cvc: z
		.string({ error: 'Your card’s security code is incomplete.' })
		.trim()
		.regex(/^\d{3,4}$/, { error: 'Your card’s security code is incomplete.' })
});
