/**
 * The bell's server-sent events (`GET /api/notifications/stream`, the signed-in person's session):
 * an `event: bell` with the unread count and the latest notifications on connect and whenever it
 * changes — woken in-process by the fan-out job and the person's own marks (live.ts), and re-read
 * every STREAM_POLL_MS for what another instance wrote. Each read is one RLS transaction as the
 * person. The stream ends when the access token expires; the browser reconnects with a fresh one.
 */
import type { AccessClaims } from '../auth/provider';
import { withClaims } from '../platform/db';
import { onWake, STREAM_POLL_MS } from './live';
import { bellState } from './queries';

const encoder = new TextEncoder();

export function bellStream(claims: AccessClaims, signal: AbortSignal): Response {
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
						const state = JSON.stringify(
							await withClaims(claims, (trx) => bellState(trx, claims.sub))
						);
						if (state !== last) write(`event: bell\ndata: ${state}\n\n`);
						else write(': still here\n\n');
						last = state;
					} catch {
						close();
					}
				});
			};
			const unsubscribe = onWake(claims.sub, send);
			const poll = setInterval(send, STREAM_POLL_MS);
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
