/**
 * The ask box's stream (documents and AI pages): askDocuments in the person's transaction, the
 * answer sent as server-sent events while the model writes it (`event: delta` with `{ text }`),
 * then `event: done` with the citations (`{ n, label, documentId, seq }`), the mode and the run's
 * cost, or `event: error` with a sentence (TN563, the budget's TN552, a provider's failure).
 */
import { z } from 'zod';
import { AiError } from '../ai/gateway';
import { eventStream } from '../ai/sse';
import { withClaims } from '../platform/db';
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

export function askStream(
	claims: Principal,
	tenantId: string,
	question: string,
	signal: AbortSignal
): Response {
	return eventStream(async (send) => {
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
	});
}
