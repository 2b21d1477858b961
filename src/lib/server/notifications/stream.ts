/**
 * The bell's server-sent events (`GET /api/notifications/stream`, the signed-in person's session):
 * an `event: bell` with the unread count and the latest notifications on connect and whenever it
 * changes — woken in-process by the fan-out job and the person's own marks (live.ts), and re-read
 * every STREAM_POLL_MS for what another instance wrote. Each read is one RLS transaction as the
 * person. The stream ends when the access token expires; the browser reconnects with a fresh one.
 */
import type { Transaction } from 'kysely';
import type { AccessClaims } from '../auth/provider';
import type { DB } from '../platform/database';
import { withClaims } from '../platform/db';
import { onWake, STREAM_POLL_MS } from './live';
import { bellState } from './queries';

const encoder = new TextEncoder();

export function bellStream(claims: AccessClaims, signal: AbortSignal): Response {
	return liveStream(claims, signal, {
		key: claims.sub,
		event: 'bell',
		read: (trx) => bellState(trx, claims.sub)
	});
}

/**
 * The live-update mechanism (also the task boards', src/lib/server/tasks/live.ts): an `event:
 * <event>` with what `read` returns, as the person, on connect and whenever it changes — woken
 * in-process by `wake([key])` (live.ts), re-read every `pollMs` for what another instance wrote.
 */
export function liveStream(
	claims: AccessClaims,
	signal: AbortSignal,
	options: {
		key: string;
		event: string;
		read: (trx: Transaction<DB>) => Promise<unknown>;
		pollMs?: number;
	}
): Response {
	const { key, event, read, pollMs = STREAM_POLL_MS } = options;
	let close = () => {};
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			let last = '';
			let queue: Promise<void> = Promise.resolve();
			const write = (chunk: string) => {
				if (!closed) controller.enqueue(encoder.encode(chunk));
			};
			const send = () => {
				queue = queue.then(async () => {
					if (closed) return;
					try {
						const state = JSON.stringify(await withClaims(claims, read));
						if (state !== last) write(`event: ${event}\ndata: ${state}\n\n`);
						else write(': still here\n\n');
						last = state;
					} catch {
						close();
					}
				});
			};
			const unsubscribe = onWake(key, send);
			const poll = setInterval(send, pollMs);
			const expiry = setTimeout(() => close(), Math.max(1_000, claims.exp * 1000 - Date.now()));
			close = () => {
				if (closed) return;
				closed = true;
				unsubscribe();
				clearInterval(poll);
				clearTimeout(expiry);
				signal.removeEventListener('abort', close);
				try {
					controller.close();
				} catch {
					// already closed by the client
				}
			};
			signal.addEventListener('abort', close);
			write('retry: 2000\n\n');
			send();
		},
		cancel() {
			close();
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			'x-accel-buffering': 'no'
		}
	});
}
