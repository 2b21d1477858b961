/**
 * Outbound webhook delivery in the app's own processes: the edge functions in Deno, the waker that
 * POSTs to webhook-dispatch when deliveries are due, and the LISTEN that tells it at once. Used by
 * the `webhook.wake` job (npm start, npm run dev, npm run db:serve), the fault-injection tests and
 * the benchmark.
 */
import type { Engine } from '../platform/engine';
import { startEdgeFunctions, type EdgeFunctionsOptions, type EdgeFunctions } from './functions';
import { createWaker, listenForDeliveries, type Waker } from './waker';

export interface WebhookDelivery {
	functions: EdgeFunctions;
	waker: Waker;
	stop(): Promise<void>;
}

export async function startWebhookDelivery(
	options: EdgeFunctionsOptions & {
		engine: Engine;
		/** The URL the LISTEN connection uses on Postgres (unused on the embedded engine). */
		listenUrl?: string;
	}
): Promise<WebhookDelivery> {
	const log = options.log ?? (() => {});
	const functions = await startEdgeFunctions(options);
	const waker = createWaker({
		dispatchUrl: `${functions.url}/functions/v1/webhook-dispatch`,
		db: options.engine.db,
		log
	});
	let unlisten: () => Promise<void>;
	try {
		unlisten = await listenForDeliveries(
			options.engine,
			options.listenUrl,
			() => waker.wake(),
			log
		);
	} catch (error) {
		await functions.stop();
		throw error;
	}
	waker.wake();
	return {
		functions,
		waker,
		async stop() {
			await waker.stop();
			await unlisten();
			await functions.stop();
		}
	};
}
