/**
 * The process's Stripe gateway: Stripe's API when STRIPE_SECRET_KEY is set, else (outside
 * production) the fake, whose events go through the webhook's path. One per process, so
 * the fake's objects outlive a request.
 */
import { dirname, join } from 'node:path';
import { ensureRuntime } from '../platform/runtime';
import { applyThroughWebhookPath, forwardSigned } from './deliver';
import { FakeStripe } from './fake';
import type { StripeGateway } from './gateway';
import { StripeApiGateway } from './stripe';

export { StripeGatewayError } from './gateway';
export type { PlanChangePreview, PlanPrice, StripeGateway } from './gateway';

let gateway: Promise<StripeGateway | null> | undefined;

/** Null in production without STRIPE_SECRET_KEY: card payments are off, manual payments remain. */
export function getStripe(): Promise<StripeGateway | null> {
	gateway ??= ensureRuntime().then(({ config, engine }): StripeGateway | null => {
		if (config.STRIPE_SECRET_KEY) return new StripeApiGateway(config.STRIPE_SECRET_KEY);
		if (config.NODE_ENV === 'production') return null;
		return new FakeStripe({
			appUrl: config.PUBLIC_APP_URL,
			deliver: config.STRIPE_WEBHOOK_FORWARD_URL
				? forwardSigned(config.STRIPE_WEBHOOK_FORWARD_URL, config.STRIPE_WEBHOOK_SIGNING_SECRET!)
				: applyThroughWebhookPath(engine.db),
			stateFile:
				config.DATA_DIR === 'memory://' ? null : join(dirname(config.DATA_DIR), 'stripe-fake.json')
		});
	});
	return gateway;
}

/** The fake, for its hosted pages under /dev/stripe; null when Stripe itself is in use. */
export async function getFakeStripe(): Promise<FakeStripe | null> {
	const current = await getStripe();
	return current instanceof FakeStripe ? current : null;
}
