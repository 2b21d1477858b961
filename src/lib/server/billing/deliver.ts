/**
 * How the fake's events reach the database: through `public.apply_stripe_event` as the
 * `stripe.webhook` system job — the call the stripe-webhook edge function makes after checking
 * the signature — or, when the function is served, POSTed to it signed as Stripe signs them.
 */
import { sql, type Kysely } from 'kysely';
import Stripe from 'stripe';
import type { DB } from '../platform/database';
import { requestIdHeaders } from '../platform/observability/context';
import { runAsServiceRole } from '../platform/rls';
import type { Deliver, StripeEvent } from './fake';

export function applyThroughWebhookPath(db: Kysely<DB>): Deliver {
	return async (event: StripeEvent) => {
		const { rows } = await runAsServiceRole(db, 'stripe.webhook', (trx) =>
			sql<{
				outcome: string;
			}>`select public.apply_stripe_event(${JSON.stringify(event)}::jsonb) as outcome`.execute(trx)
		);
		return rows[0]?.outcome ?? 'unknown';
	};
}

const signer = new Stripe('sk_test_signing_only');

export function forwardSigned(url: string, secret: string): Deliver {
	return async (event: StripeEvent) => {
		const payload = JSON.stringify(event);
		const signature = await signer.webhooks.generateTestHeaderStringAsync({ payload, secret });
		const response = await fetch(url, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'stripe-signature': signature,
				...requestIdHeaders()
			},
			body: payload
		});
		const answer = (await response.json().catch(() => ({}))) as {
			outcome?: string;
			error?: string;
		};
		if (!response.ok) {
			throw new Error(`${url} answered ${response.status} to ${event.type}: ${answer.error ?? ''}`);
		}
		return answer.outcome ?? 'unknown';
	};
}
