import { error } from '@sveltejs/kit';
import { getFakeStripe } from '$lib/server/billing';
import type { FakeStripe } from '$lib/server/billing/fake';
import { ensureRuntime } from '$lib/server/platform/runtime';

/** The fake Stripe's hosted pages exist only where the fake is in use, never in production. */
export async function requireFake(): Promise<FakeStripe> {
	const { config } = await ensureRuntime();
	const fake = config.NODE_ENV === 'production' ? null : await getFakeStripe();
	if (!fake) error(404, 'Not found');
	return fake;
}
