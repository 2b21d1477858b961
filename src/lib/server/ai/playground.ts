/**
 * The playground's stream: a template run or a free chat, its answer sent to the page as
 * server-sent events while the model writes it (`event: delta` with `{ text }`), then `event: done`
 * with the run's id, tokens and cost, or `event: error` with a sentence. The run is recorded in
 * the person's transaction, failures included (the AiError is caught inside it).
 */
import { z } from 'zod';
import { withClaims } from '../platform/db';
import type { Principal } from '../platform/rls';
import { ensureRuntime } from '../platform/runtime';
import { AiError, TemplateVariablesError, chatComplete, runPrompt } from './gateway';
import { eventStream } from './sse';

export const playgroundRequest = z.discriminatedUnion('mode', [
	z.object({
		mode: z.literal('template'),
		templateKey: z.string().min(1).max(64),
		modelId: z.uuid().optional(),
		variables: z.record(z.string(), z.unknown())
	}),
	z.object({
		mode: z.literal('chat'),
		modelId: z.uuid({ error: 'Choose a model.' }),
		system: z.string().max(20000).default(''),
		message: z.string().min(1, { error: 'Write a message.' }).max(20000)
	})
]);
export type PlaygroundRequest = z.output<typeof playgroundRequest>;

export function playgroundStream(
	claims: Principal,
	tenantId: string,
	request: PlaygroundRequest,
	signal: AbortSignal
): Response {
	return eventStream(async (send) => {
		const config = (await ensureRuntime()).config;
		const outcome = await withClaims(claims, async (trx) => {
			const onDelta = (text: string) => send('delta', { text });
			try {
				if (request.mode === 'template') {
					const out = await runPrompt(trx, config, {
						tenantId,
						templateKey: request.templateKey,
						modelId: request.modelId,
						variables: request.variables,
						signal,
						onDelta
					});
					return { ok: true as const, runId: out.runId, costUsd: out.costUsd, usage: out.usage };
				}
				const messages = [
					...(request.system.trim() ? [{ role: 'system' as const, content: request.system }] : []),
					{ role: 'user' as const, content: request.message }
				];
				const out = await chatComplete(trx, config, {
					tenantId,
					modelId: request.modelId,
					messages,
					signal,
					onDelta
				});
				return { ok: true as const, runId: out.runId, costUsd: out.costUsd, usage: out.usage };
			} catch (error) {
				if (error instanceof AiError || error instanceof TemplateVariablesError)
					return {
						ok: false as const,
						message: error.message,
						runId: error instanceof AiError ? error.runId : undefined
					};
				throw error;
			}
		});
		send(outcome.ok ? 'done' : 'error', outcome);
	});
}
