/**
 * The two wire formats the gateway speaks: OpenAI's chat completions and embeddings (OpenAI,
 * DeepSeek and every OpenAI-compatible server) and Anthropic's Messages API, each with and
 * without streaming. Token counts are the provider's own usage fields.
 */
import { z } from 'zod';
import { AiError } from './errors';
import { postWithRetries, serverSentEvents, type RetryPolicy } from './http';

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	temperature?: number;
	maxTokens: number;
	signal?: AbortSignal;
	onDelta?: (text: string) => void;
}

export interface ChatResult {
	text: string;
	usage: { inputTokens: number; outputTokens: number };
	finishReason: string;
	attempts: number;
}

export interface Endpoint {
	provider: string;
	baseUrl: string;
	apiKey: string | null;
	policy: RetryPolicy;
}

const openAiUsage = z.object({
	prompt_tokens: z.number().int().min(0),
	completion_tokens: z.number().int().min(0).optional()
});
const openAiCompletion = z.object({
	choices: z
		.array(
			z.object({
				message: z.object({ content: z.string().nullable().optional() }),
				finish_reason: z.string().nullable().optional()
			})
		)
		.min(1),
	usage: openAiUsage
});
const openAiChunk = z.object({
	choices: z
		.array(
			z.object({
				delta: z.object({ content: z.string().nullable().optional() }).optional(),
				finish_reason: z.string().nullable().optional()
			})
		)
		.default([]),
	usage: openAiUsage.nullable().optional()
});
const openAiEmbeddings = z.object({
	data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
	usage: z.object({ prompt_tokens: z.number().int().min(0) })
});

function malformed(provider: string, what: string): AiError {
	return new AiError(
		`${provider} answered with ${what} that is not in its documented format.`,
		false,
		'malformed'
	);
}

async function json<T>(
	provider: string,
	response: Response,
	schema: z.ZodType<T>,
	what: string
): Promise<T> {
	const parsed = schema.safeParse(await response.json().catch(() => null));
	if (!parsed.success) throw malformed(provider, what);
	return parsed.data;
}

function joinUrl(base: string, path: string): string {
	return base.replace(/\/+$/, '') + path;
}

export async function openAiChat(endpoint: Endpoint, request: ChatRequest): Promise<ChatResult> {
	const stream = request.onDelta !== undefined;
	const { response, attempts } = await postWithRetries(
		endpoint.provider,
		joinUrl(endpoint.baseUrl, '/chat/completions'),
		endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {},
		{
			model: request.model,
			messages: request.messages,
			max_tokens: request.maxTokens,
			...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
			...(stream ? { stream: true, stream_options: { include_usage: true } } : {})
		},
		endpoint.policy,
		request.signal
	);
	if (!stream) {
		const body = await json(endpoint.provider, response, openAiCompletion, 'a completion');
		return {
			text: body.choices[0]!.message.content ?? '',
			usage: {
				inputTokens: body.usage.prompt_tokens,
				outputTokens: body.usage.completion_tokens ?? 0
			},
			finishReason: body.choices[0]!.finish_reason ?? 'stop',
			attempts
		};
	}
	if (!response.body) throw malformed(endpoint.provider, 'an empty stream');
	let text = '';
	let finishReason = 'stop';
	let usage: ChatResult['usage'] | null = null;
	for await (const { data } of serverSentEvents(response.body)) {
		if (data === '[DONE]') break;
		let raw: unknown;
		try {
			raw = JSON.parse(data);
		} catch {
			throw malformed(endpoint.provider, 'a stream event');
		}
		const chunk = openAiChunk.safeParse(raw);
		if (!chunk.success) throw malformed(endpoint.provider, 'a stream event');
		for (const choice of chunk.data.choices) {
			const piece = choice.delta?.content;
			if (piece) {
				text += piece;
				request.onDelta!(piece);
			}
			if (choice.finish_reason) finishReason = choice.finish_reason;
		}
		if (chunk.data.usage)
			usage = {
				inputTokens: chunk.data.usage.prompt_tokens,
				outputTokens: chunk.data.usage.completion_tokens ?? 0
			};
	}
	if (!usage)
		throw new AiError(
			`${endpoint.provider} streamed no usage (stream_options.include_usage), so the call cannot be counted.`,
			false,
			'no_usage'
		);
	return { text, usage, finishReason, attempts };
}

export async function openAiEmbed(
	endpoint: Endpoint,
	model: string,
	input: string[],
	signal?: AbortSignal
): Promise<{ vectors: number[][]; inputTokens: number; attempts: number }> {
	const { response, attempts } = await postWithRetries(
		endpoint.provider,
		joinUrl(endpoint.baseUrl, '/embeddings'),
		endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {},
		{ model, input, encoding_format: 'float' },
		endpoint.policy,
		signal
	);
	const body = await json(endpoint.provider, response, openAiEmbeddings, 'embeddings');
	const vectors: number[][] = new Array(input.length);
	for (const item of body.data) vectors[item.index] = item.embedding;
	if (body.data.length !== input.length || vectors.some((v) => v === undefined))
		throw malformed(endpoint.provider, 'a different number of embeddings than texts');
	return { vectors, inputTokens: body.usage.prompt_tokens, attempts };
}

const anthropicUsage = z.object({
	input_tokens: z.number().int().min(0).optional(),
	output_tokens: z.number().int().min(0).optional()
});
const anthropicMessage = z.object({
	content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
	stop_reason: z.string().nullable().optional(),
	usage: z.object({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) })
});
const anthropicEvent = z.object({
	type: z.string(),
	message: z.object({ usage: anthropicUsage }).optional(),
	delta: z
		.object({
			type: z.string().optional(),
			text: z.string().optional(),
			stop_reason: z.string().nullable().optional()
		})
		.optional(),
	usage: anthropicUsage.optional(),
	error: z.object({ type: z.string(), message: z.string() }).optional()
});

export const ANTHROPIC_VERSION = '2023-06-01';

export async function anthropicChat(endpoint: Endpoint, request: ChatRequest): Promise<ChatResult> {
	const stream = request.onDelta !== undefined;
	const system = request.messages
		.filter((m) => m.role === 'system')
		.map((m) => m.content)
		.join('\n\n');
	const { response, attempts } = await postWithRetries(
		endpoint.provider,
		joinUrl(endpoint.baseUrl, '/messages'),
		{ 'x-api-key': endpoint.apiKey ?? '', 'anthropic-version': ANTHROPIC_VERSION },
		{
			model: request.model,
			max_tokens: request.maxTokens,
			...(system ? { system } : {}),
			messages: request.messages.filter((m) => m.role !== 'system'),
			...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
			...(stream ? { stream: true } : {})
		},
		endpoint.policy,
		request.signal
	);
	if (!stream) {
		const body = await json(endpoint.provider, response, anthropicMessage, 'a message');
		return {
			text: body.content.map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join(''),
			usage: { inputTokens: body.usage.input_tokens, outputTokens: body.usage.output_tokens },
			finishReason: body.stop_reason ?? 'end_turn',
			attempts
		};
	}
	if (!response.body) throw malformed(endpoint.provider, 'an empty stream');
	let text = '';
	let finishReason = 'end_turn';
	let inputTokens: number | null = null;
	let outputTokens: number | null = null;
	for await (const { data } of serverSentEvents(response.body)) {
		let raw: unknown;
		try {
			raw = JSON.parse(data);
		} catch {
			throw malformed(endpoint.provider, 'a stream event');
		}
		const event = anthropicEvent.safeParse(raw);
		if (!event.success) throw malformed(endpoint.provider, 'a stream event');
		const e = event.data;
		if (e.type === 'error')
			throw new AiError(
				`${endpoint.provider} stopped the stream: ${e.error?.message ?? 'an error'}`,
				e.error?.type === 'overloaded_error',
				e.error?.type
			);
		if (e.type === 'message_start') {
			inputTokens = e.message?.usage.input_tokens ?? inputTokens;
			outputTokens = e.message?.usage.output_tokens ?? outputTokens;
		} else if (e.type === 'content_block_delta' && e.delta?.type === 'text_delta' && e.delta.text) {
			text += e.delta.text;
			request.onDelta!(e.delta.text);
		} else if (e.type === 'message_delta') {
			if (e.delta?.stop_reason) finishReason = e.delta.stop_reason;
			if (e.usage?.output_tokens !== undefined) outputTokens = e.usage.output_tokens;
		} else if (e.type === 'message_stop') break;
	}
	if (inputTokens === null || outputTokens === null)
		throw new AiError(
			`${endpoint.provider} streamed no usage, so the call cannot be counted.`,
			false,
			'no_usage'
		);
	return { text, usage: { inputTokens, outputTokens }, finishReason, attempts };
}
