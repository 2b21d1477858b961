/**
 * The AI pages' server-sent event streams (the playground's and the ask box's): `produce` sends
 * its events (`event: <name>` with JSON data) while it runs; an error it throws becomes `event:
 * error` with a sentence (the database's, when it has one), and the stream closes when it ends. A
 * page that went away only stops the frames: the work is cancelled through the request's signal.
 */
import { describeDbError } from '../platform/errors';

export type SendEvent = (event: string, data: unknown) => void;

const encoder = new TextEncoder();

export function eventStream(produce: (send: SendEvent) => Promise<void>): Response {
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send: SendEvent = (event, data) => {
				try {
					controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
				} catch {
					// The page went away: the call is cancelled through the request's signal.
				}
			};
			try {
				await produce(send);
			} catch (error) {
				send('error', {
					message: describeDbError(error)?.message ?? 'Something went wrong on our side.'
				});
			} finally {
				try {
					controller.close();
				} catch {
					// already closed
				}
			}
		}
	});
	return new Response(stream, {
		headers: {
			'content-type': 'text/event-stream',
			'cache-control': 'no-cache',
			'x-accel-buffering': 'no'
		}
	});
}
