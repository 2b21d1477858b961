/**
 * A stand-in for OpenAI's API on 127.0.0.1 (a free port), speaking its documented wire format for
 * what the AI gateway calls (every OpenAI-compatible server — DeepSeek, vLLM, Ollama — speaks the
 * same):
 *
 * - `POST /v1/chat/completions`: `{ id, object: "chat.completion", created, model, choices: [{
 *   index, message: { role: "assistant", content }, finish_reason }], usage: { prompt_tokens,
 *   completion_tokens, total_tokens } }`; with `stream: true` a `text/event-stream` of
 *   `chat.completion.chunk` objects (`data: {…}` lines, the first delta carrying the role, the last
 *   the `finish_reason`), then — with `stream_options.include_usage` — one chunk with empty
 *   `choices` and the `usage`, then `data: [DONE]`.
 * - `POST /v1/embeddings`: `{ object: "list", data: [{ object: "embedding", index, embedding }],
 *   model, usage: { prompt_tokens, total_tokens } }`; the vectors are deterministic (the same text
 *   always gives the same unit vector) of the model's size, or `dimensions` when asked.
 * - Errors as OpenAI sends them: `{ error: { message, type, param, code } }` with 400
 *   (`invalid_request_error`), 401 (`invalid_api_key`), 404 (`model_not_found`), 429
 *   (`rate_limit_exceeded`, with `retry-after`, `retry-after-ms` and the `x-ratelimit-*` headers)
 *   and 500/503.
 *
 * Tokens are counted as the words and punctuation marks of the text (a stand-in for a tokenizer,
 * the same on every call). The answer is `reply(messages)` (default: "Echo: " and the last user
 * message). Tests set the key, the replies and the failures to inject.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatMessage {
	role: string;
	content: string;
}

export interface FakeRequest {
	method: string;
	path: string;
	authorization: string;
	body: Record<string, unknown>;
}

export interface OpenAiFake {
	readonly url: string;
	/** The bearer token accepted (null: any). */
	apiKey: string | null;
	/** The answer to a chat request. */
	reply: (messages: FakeChatMessage[]) => string;
	/** Vector size per embedding model (others: 1536). */
	dimensions: Record<string, number>;
	/** Answer the next N requests with 429 and these headers' values. */
	rateLimit: { next: number; retryAfterSeconds: number };
	/** Answer the next N requests with this status (500, 503 …). */
	fail: { next: number; status: number };
	/** Wait this long before answering (timeouts). */
	delayMs: number;
	readonly requests: FakeRequest[];
	close(): Promise<void>;
}

/** The fake's token count: words and single punctuation marks. */
export function fakeTokenCount(text: string): number {
	return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
}

/** The deterministic unit vector the fake gives `text` (a hash stream, normalised). */
export function fakeEmbedding(text: string, dimensions: number): number[] {
	const out: number[] = [];
	let block = 0;
	while (out.length < dimensions) {
		const digest = createHash('sha256').update(`${block}:${text}`).digest();
		for (let i = 0; i + 1 < digest.length && out.length < dimensions; i += 2)
			out.push(digest.readUInt16BE(i) / 32767.5 - 1);
		block += 1;
	}
	const norm = Math.hypot(...out) || 1;
	return out.map((x) => x / norm);
}

function send(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {}
) {
	res.writeHead(status, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify(body));
}

function error(
	res: ServerResponse,
	status: number,
	type: string,
	code: string | null,
	message: string,
	headers: Record<string, string> = {}
) {
	send(res, status, { error: { message, type, param: null, code } }, headers);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	try {
		const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
		return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}

function rateLimitHeaders(retryAfter: number): Record<string, string> {
	return {
		'retry-after': String(retryAfter),
		'retry-after-ms': String(retryAfter * 1000),
		'x-ratelimit-limit-requests': '500',
		'x-ratelimit-remaining-requests': '0',
		'x-ratelimit-reset-requests': `${retryAfter}s`,
		'x-ratelimit-limit-tokens': '200000',
		'x-ratelimit-remaining-tokens': '0',
		'x-ratelimit-reset-tokens': `${retryAfter}s`
	};
}

export async function startOpenAiFake(): Promise<OpenAiFake> {
	let seq = 0;
	const fake: Omit<OpenAiFake, 'url' | 'close'> = {
		apiKey: 'sk-fake-openai',
		reply: (messages) => `Echo: ${messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''}`,
		dimensions: { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072 },
		rateLimit: { next: 0, retryAfterSeconds: 1 },
		fail: { next: 0, status: 500 },
		delayMs: 0,
		requests: []
	};

	async function handle(req: IncomingMessage, res: ServerResponse) {
		const url = new URL(req.url ?? '/', 'http://fake');
		const authorization = String(req.headers.authorization ?? '');
		const body = (await readJson(req)) ?? {};
		fake.requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization, body });
		if (fake.delayMs > 0) await new Promise((done) => setTimeout(done, fake.delayMs));
		if (req.method !== 'POST' || !['/v1/chat/completions', '/v1/embeddings'].includes(url.pathname))
			return error(
				res,
				404,
				'invalid_request_error',
				'unknown_url',
				`Unknown request URL: ${req.method} ${url.pathname}.`
			);
		if (fake.apiKey !== null && authorization !== `Bearer ${fake.apiKey}`)
			return error(
				res,
				401,
				'invalid_request_error',
				'invalid_api_key',
				'Incorrect API key provided.'
			);
		if (fake.rateLimit.next > 0) {
			fake.rateLimit.next -= 1;
			return error(
				res,
				429,
				'requests',
				'rate_limit_exceeded',
				'Rate limit reached for requests. Please try again later.',
				rateLimitHeaders(fake.rateLimit.retryAfterSeconds)
			);
		}
		if (fake.fail.next > 0) {
			fake.fail.next -= 1;
			return error(
				res,
				fake.fail.status,
				'server_error',
				null,
				'The server had an error while processing your request.'
			);
		}
		const model = typeof body.model === 'string' ? body.model : '';
		if (!model)
			return error(res, 400, 'invalid_request_error', null, 'you must provide a model parameter');
		if (model.startsWith('missing'))
			return error(
				res,
				404,
				'invalid_request_error',
				'model_not_found',
				`The model \`${model}\` does not exist or you do not have access to it.`
			);

		if (url.pathname === '/v1/embeddings') {
			const input = typeof body.input === 'string' ? [body.input] : body.input;
			if (!Array.isArray(input) || input.some((x) => typeof x !== 'string'))
				return error(
					res,
					400,
					'invalid_request_error',
					null,
					"'input' is a string or an array of strings."
				);
			const size =
				typeof body.dimensions === 'number' ? body.dimensions : (fake.dimensions[model] ?? 1536);
			const tokens = input.reduce((n, text: string) => n + fakeTokenCount(text), 0);
			return send(res, 200, {
				object: 'list',
				data: input.map((text: string, index) => ({
					object: 'embedding',
					index,
					embedding: fakeEmbedding(text, size)
				})),
				model,
				usage: { prompt_tokens: tokens, total_tokens: tokens }
			});
		}

		const messages = body.messages;
		if (!Array.isArray(messages) || messages.length === 0)
			return error(res, 400, 'invalid_request_error', null, "'messages' is a non-empty array.");
		const chat = messages as FakeChatMessage[];
		const promptTokens = chat.reduce((n, m) => n + 4 + fakeTokenCount(String(m.content ?? '')), 2);
		let text = fake.reply(chat);
		let finish = 'stop';
		const max =
			typeof body.max_tokens === 'number'
				? body.max_tokens
				: (body.max_completion_tokens as number | undefined);
		const words = text.match(/\S+\s*/g) ?? [];
		if (max !== undefined && fakeTokenCount(text) > max) {
			const kept: string[] = [];
			for (const w of words) {
				if (fakeTokenCount(kept.join('') + w) > max) break;
				kept.push(w);
			}
			text = kept.join('');
			finish = 'length';
		}
		const completionTokens = fakeTokenCount(text);
		const usage = {
			prompt_tokens: promptTokens,
			completion_tokens: completionTokens,
			total_tokens: promptTokens + completionTokens
		};
		seq += 1;
		const id = `chatcmpl-fake${seq}`;
		const created = Math.floor(Date.now() / 1000);
		if (body.stream !== true) {
			return send(res, 200, {
				id,
				object: 'chat.completion',
				created,
				model,
				choices: [
					{
						index: 0,
						message: { role: 'assistant', content: text },
						logprobs: null,
						finish_reason: finish
					}
				],
				usage
			});
		}
		res.writeHead(200, {
			'content-type': 'text/event-stream',
			'cache-control': 'no-cache',
			connection: 'keep-alive'
		});
		const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
			res.write(
				`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`
			);
		chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
		for (const piece of text.match(/\S+\s*/g) ?? []) {
			chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
			await new Promise((done) => setImmediate(done));
		}
		chunk([{ index: 0, delta: {}, finish_reason: finish }]);
		const options = body.stream_options as { include_usage?: boolean } | undefined;
		if (options?.include_usage) chunk([], { usage });
		res.end('data: [DONE]\n\n');
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((e: unknown) => {
			if (!res.headersSent) error(res, 500, 'server_error', null, String(e));
			else res.end();
		});
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	const { port } = server.address() as AddressInfo;
	return Object.assign(fake, {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			})
	});
}
