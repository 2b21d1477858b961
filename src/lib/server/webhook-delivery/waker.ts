/**
 * Wakes webhook-dispatch when deliveries are due: at once when the database says a delivery was
 * queued (LISTEN webhook_deliveries — PGlite's in-process listen on the embedded engine, a
 * connection of its own on Postgres), at the earliest next_attempt_at (a timer), and on every
 * check (the app's scheduler: a cheap query for what the other two may have missed, such as
 * deliveries queued through the wire server). One request in flight; wakes meanwhile coalesce
 * into one more when it returns.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import type { Engine } from '../platform/engine';
import { listen } from '../platform/listen';
import { requestIdHeaders } from '../platform/observability/context';
import { runAsServiceRole } from '../platform/rls';

export const CHANNEL = 'webhook_deliveries';
/** When something is due but the dispatcher left it (rate limits): look again after this. */
const RETRY_MS = 200;

export interface Waker {
	/** POSTs to the dispatcher now (or once more after the request in flight). */
	wake(): void;
	/** Wakes the dispatcher if something is due, else sets the timer for when it is. */
	check(): Promise<void>;
	stop(): Promise<void>;
}

/** The earliest moment a pending delivery can be claimed; null when none waits. */
export async function nextDue(db: Kysely<DB>): Promise<Date | null> {
	const { rows } = await runAsServiceRole(db, 'webhook.wake', (trx) =>
		sql<{ due: Date | string | null }>`select public.webhook_next_due() as due`.execute(trx)
	);
	const due = rows[0]?.due;
	return due ? new Date(due) : null;
}

export function createWaker(options: {
	dispatchUrl: string;
	db: Kysely<DB>;
	log?: (line: string) => void;
}): Waker {
	const log = options.log ?? (() => {});
	let stopped = false;
	let inFlight: Promise<void> | null = null;
	let dirty = false;
	let timer: NodeJS.Timeout | undefined;
	let timerAt = Infinity;
	let lastError = '';

	const arm = (at: number) => {
		if (stopped || at >= timerAt) return;
		clearTimeout(timer);
		timerAt = at;
		timer = setTimeout(
			() => {
				timerAt = Infinity;
				waker.wake();
			},
			Math.max(0, at - Date.now())
		).unref();
	};

	const schedule = async () => {
		const due = await nextDue(options.db);
		if (due) arm(Math.max(due.getTime(), Date.now() + RETRY_MS));
	};

	const waker: Waker = {
		wake() {
			if (stopped) return;
			if (inFlight) {
				dirty = true;
				return;
			}
			clearTimeout(timer);
			timerAt = Infinity;
			inFlight = fetch(options.dispatchUrl, { method: 'POST', headers: requestIdHeaders() })
				.then(async (response) => {
					await response.body?.cancel();
					if (response.status >= 500)
						throw new Error(`webhook-dispatch answered ${response.status}`);
					lastError = '';
				})
				.catch((error: Error) => {
					if (error.message !== lastError) log(`webhook.wake: ${error.message}`);
					lastError = error.message;
				})
				.then(() => {
					inFlight = null;
					if (dirty) {
						dirty = false;
						waker.wake();
						return;
					}
					return schedule();
				})
				.catch((error: Error) => log(`webhook.wake: ${error.message}`));
		},
		async check() {
			if (stopped || inFlight) return;
			const due = await nextDue(options.db);
			if (due && due.getTime() <= Date.now()) waker.wake();
			else if (due) arm(due.getTime());
		},
		async stop() {
			stopped = true;
			clearTimeout(timer);
			await inFlight;
		}
	};
	return waker;
}

/** Calls `onNotify` on every notification of CHANNEL; resolves with the function that stops it. */
export function listenForDeliveries(
	engine: Engine,
	databaseUrl: string | undefined,
	onNotify: () => void,
	log: (line: string) => void = () => {}
): Promise<() => Promise<void>> {
	return listen(engine, databaseUrl, CHANNEL, onNotify, (line) => log(`webhook.wake: ${line}`));
}
