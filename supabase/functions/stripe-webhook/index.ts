/**
 * stripe-webhook: receives Stripe events, verifies the signature on the raw body, and hands the
 * event to `public.apply_stripe_event`, which records it in the event ledger and applies its
 * effect in one transaction (duplicates and stale events change nothing; see docs/billing.md).
 *
 * Environment: STRIPE_WEBHOOK_SIGNING_SECRET (whsec_…), STRIPE_SECRET_KEY (sk_…), SUPABASE_DB_URL.
 */
import Stripe from 'npm:stripe@23.1.0';
import { z } from 'npm:zod@4.6.7';
import { asSystemJob } from '../_shared/db.ts';
import { json, requestIdOf } from '../_shared/http.ts';

const eventSchema = z.object({
	id: z.string().startsWith('evt_'),
	type: z.string().min(1),
	created: z.number().int().positive(),
	data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

const cryptoProvider = Stripe.createSubtleCryptoProvider();

function stripeClient(): Stripe {
	return new Stripe(Deno.env.get('STRIPE_SECRET_KEY') ?? 'sk_test_unused', {
		httpClient: Stripe.createFetchHttpClient(),
	});
}

export async function handler(req: Request): Promise<Response> {
	if (req.method !== 'POST') return json(405, { error: 'Use POST.' });
	const secret = Deno.env.get('STRIPE_WEBHOOK_SIGNING_SECRET');
	if (!secret) return json(500, { error: 'STRIPE_WEBHOOK_SIGNING_SECRET is not set.' });
	const signature = req.headers.get('stripe-signature');
	if (!signature) return json(400, { error: 'Missing the Stripe-Signature header.' });

	const requestId = requestIdOf(req);
	const body = await req.text();
	let verified: unknown;
	try {
		verified = await stripeClient().webhooks.constructEventAsync(
			body,
			signature,
			secret,
			undefined,
			cryptoProvider,
		);
	} catch (error) {
		return json(400, { error: `Signature verification failed: ${(error as Error).message}` });
	}
	const parsed = eventSchema.safeParse(verified);
	if (!parsed.success) {
		return json(400, { error: 'Not a Stripe event.', issues: parsed.error.issues });
	}

	try {
		const outcome = await asSystemJob('stripe.webhook', async (trx) => {
			const [row] = await trx<{ outcome: string }[]>`
				select public.apply_stripe_event(${trx.json(parsed.data as never)}) as outcome`;
			return row?.outcome ?? 'unknown';
		}, requestId);
		return json(200, { received: true, id: parsed.data.id, outcome });
	} catch (error) {
		// A 5xx makes Stripe retry; the ledger makes the retry safe.
		console.error(
			`stripe-webhook: ${parsed.data.id} ${parsed.data.type} (request ${requestId ?? '-'}): ${
				(error as Error).message
			}`,
		);
		return json(500, { error: 'The event could not be recorded; Stripe will retry.' });
	}
}

if (import.meta.main) Deno.serve(handler);
