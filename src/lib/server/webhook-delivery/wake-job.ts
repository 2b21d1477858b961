/**
 * The `webhook.wake` system job: with FUNCTIONS_SERVE (auto: the embedded engine, outside tests),
 * its first run starts the edge functions in Deno beside the app and the waker of
 * webhook-dispatch; every run then checks for due deliveries the LISTEN and the timer missed
 * (WEBHOOK_WAKE_POLL_MS). On Supabase the functions run there and pg_cron wakes them
 * (docs/webhooks.md, "Delivery and retries").
 */
import type { Config } from '../platform/config';
import { getRuntime } from '../platform/db';
import { registerJob } from '../platform/scheduler';
import { secretsKeyText } from '../platform/secrets';
import { startWebhookDelivery, type WebhookDelivery } from './delivery';

export function functionsServed(config: Config): boolean {
	return (
		config.FUNCTIONS_SERVE === 'on' ||
		(config.FUNCTIONS_SERVE === 'auto' &&
			config.DB_ENGINE === 'embedded' &&
			config.NODE_ENV !== 'test')
	);
}

let started: Promise<WebhookDelivery> | null = null;

async function start(): Promise<WebhookDelivery> {
	const runtime = await getRuntime();
	if (!runtime) throw new Error('webhook.wake runs inside the app runtime (bootstrap).');
	const { config, engine, wire } = runtime;
	const databaseUrl = engine.kind === 'embedded' ? wire?.url : config.DATABASE_URL;
	if (!databaseUrl) {
		throw new Error(
			'The edge functions reach the embedded database through its wire server, and DB_SERVE is off.'
		);
	}
	const log = (line: string) => console.log(`[tenantry] ${line}`);
	const delivery = await startWebhookDelivery({
		engine,
		databaseUrl,
		listenUrl: config.DATABASE_URL,
		secretsKey: secretsKeyText(config),
		// During a key rotation, data keys not yet re-wrapped open with the previous key.
		env: config.SECRETS_ENCRYPTION_KEY_PREVIOUS
			? { SECRETS_ENCRYPTION_KEY_PREVIOUS: config.SECRETS_ENCRYPTION_KEY_PREVIOUS }
			: undefined,
		host: config.FUNCTIONS_HOST,
		port: config.FUNCTIONS_PORT,
		allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
		log
	});
	log(`webhooks: delivered by ${delivery.functions.url}/functions/v1/webhook-dispatch`);
	return delivery;
}

registerJob({
	name: 'webhook.wake',
	intervalMs: (config) => (functionsServed(config) ? config.WEBHOOK_WAKE_POLL_MS : 0),
	async run() {
		// A failed start (Deno missing, the port taken) is said once, not every poll.
		started ??= start().catch((error: Error) => {
			console.error(`[tenantry] webhooks are not delivered: ${error.message}`);
			throw error;
		});
		const delivery = await started.catch(() => null);
		await delivery?.waker.check();
	},
	async onShutdown() {
		const delivery = await started?.catch(() => null);
		started = null;
		await delivery?.stop();
	}
});
