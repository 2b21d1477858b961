/**
 * The ask box's stream (documents and AI pages): askDocuments in the person's transaction, the
 * answer sent as server-sent events while the model writes it (`event: delta` with `{ text }`),
 * then `event: done` with the citations (`{ n, label, documentId, seq }`), the mode and the run's
 * cost, or `event: error` with a sentence (TN563, the budget's TN552, a provider's failure).
 */
import { z } from 'zod';
import { AiError } from '../ai/gateway';
import { withClaims } from '../platform/db';
import { describeDbError } from '../platform/errors';
import type { Principal } from '../platform/rls';
import { ensureRuntime } from '../platform/runtime';
import { askDocuments } from './ask';

export const askRequest = z.object({
	question: z
		.string()
		.trim()
		.min(1, { error: 'Write a question.' })
		.max(2000, { error: 'Keep the question under 2,000 characters.' })
});

const encoder = new TextEncoder();

export function askStream(
	claims: Principal,
	tenantId: string,
	question: string,
	signal: AbortSignal
): Response {
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (event: string, data: unknown) => {
				try {
					controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
				} catch {
					// The page went away: the call is cancelled through `signal`.
				}
			};
			try {
				const config = (await ensureRuntime()).config;
				const outcome = await withClaims(claims, async (trx) => {
					try {
						const answer = await askDocuments(trx, config, {
							tenantId,
							question,
							signal,
							onDelta: (text) => send('delta', { text })
						});
						if (answer.mode === 'passages') send('delta', { text: answer.text });
						return {
							ok: true as const,
							mode: answer.mode,
							citations: answer.citations,
							costUsd: answer.costUsd ?? null
						};
					} catch (error) {
						if (error instanceof AiError) return { ok: false as const, message: error.message };
						throw error;
					}
				});
				send(outcome.ok ? 'done' : 'error', outcome);
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
