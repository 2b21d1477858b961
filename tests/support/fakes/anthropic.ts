/**
 * A stand-in for Anthropic's Messages API on 127.0.0.1 (a free port), in its documented wire
 * format: `POST /v1/messages` with `x-api-key` and `anthropic-version` headers, a body of `model`,
 * `max_tokens` (required), `system`, `messages`, `temperature`, `stream`. The answer is `{ id,
 * type: "message", role: "assistant", model, content: [{ type: "text", text }], stop_reason
 * ("end_turn" or "max_tokens"), stop_sequence: null, usage: { input_tokens, output_tokens } }`;
 * with `stream: true` the server-sent events `message_start` (input tokens), `content_block_start`,
 * `ping`, `content_block_delta` (`text_delta`) per word, `content_block_stop`, `message_delta`
 * (stop reason and output tokens) and `message_stop`, each an `event:` line and a `data:` line.
 * Errors are `{ type: "error", error: { type, message } }`: 400 `invalid_request_error`, 401
 * `authentication_error`, 404 `not_found_error`, 429 `rate_limit_error` (with `retry-after` and the
 * `anthropic-ratelimit-*` headers), 529 `overloaded_error`. Token counts are the OpenAI fake's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeTokenCount, type FakeChatMessage, type FakeRequest } from './openai';

export interface AnthropicFake {
	readonly url: string;
	apiKey: string | null;
	reply: (system: string, messages: FakeChatMessage[]) => string;
	rateLimit: { next: number; retryAfterSeconds: number };
	fail: { next: number; status: number };
	readonly requests: FakeRequest[];
	close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
	400: 'invalid_request_error',
	401: 'authentication_error',
	404: 'not_found_error',
	429: 'rate_limit_error',
	500: 'api_error',
	529: 'overloaded_error'
};

function error(
	res: ServerResponse,
	status: number,
	message: string,
	headers: Record<string, string> = {}
) {
	res.writeHead(status, { 'content-type': 'application/json', ...headers });
	res.end(
		JSON.stringify({ type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } })
	);
}

export async function startAnthropicFake(): Promise<AnthropicFake> {
	let seq = 0;
	const fake: Omit<AnthropicFake, 'url' | 'close'> = {
		apiKey: 'sk-ant-fake',
		reply: (_system, messages) =>
			`Claude echo: ${messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''}`,
		rateLimit: { next: 0, retryAfterSeconds: 1 },
		fail: { next: 0, status: 529 },
		requests: []
	};

	async function handle(req: IncomingMessage, res: ServerResponse) {
		const url = new URL(req.url ?? '/', 'http://fake');
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		let body: Record<string, unknown> = {};
		try {
			body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
		} catch {
			body = {};
		}
		const key = String(req.headers['x-api-key'] ?? '');
		fake.requests.push({
			method: req.method ?? 'GET',
			path: url.pathname,
			authorization: key,
			body
		});
		if (req.method !== 'POST' || url.pathname !== '/v1/messages')
			return error(res, 404, 'Not found');
		if (fake.apiKey !== null && key !== fake.apiKey) return error(res, 401, 'invalid x-api-key');
		if (!req.headers['anthropic-version'])
			return error(res, 400, 'anthropic-version: header is required');
		if (fake.rateLimit.next > 0) {
			fake.rateLimit.next -= 1;
			const reset = new Date(Date.now() + fake.rateLimit.retryAfterSeconds * 1000).toISOString();
			return error(res, 429, 'Number of request tokens has exceeded your per-minute rate limit', {
				'retry-after': String(fake.rateLimit.retryAfterSeconds),
				'anthropic-ratelimit-requests-limit': '50',
				'anthropic-ratelimit-requests-remaining': '0',
				'anthropic-ratelimit-requests-reset': reset
			});
		}
		if (fake.fail.next > 0) {
			fake.fail.next -= 1;
			return error(res, fake.fail.status, 'Overloaded');
		}
		const model = typeof body.model === 'string' ? body.model : '';
		if (!model) return error(res, 400, 'model: Field required');
		if (typeof body.max_tokens !== 'number') return error(res, 400, 'max_tokens: Field required');
		if (model.startsWith('missing')) return error(res, 404, `model: ${model}`);
		const messages = body.messages as FakeChatMessage[] | undefined;
		if (
			!Array.isArray(messages) ||
			messages.length === 0 ||
			messages.some((m) => m.role === 'system')
		)
			return error(
				res,
				400,
				'messages: roles are user and assistant (the system prompt is `system`)'
			);
		const system = typeof body.system === 'string' ? body.system : '';
		const inputTokens =
			fakeTokenCount(system) + messages.reduce((n, m) => n + 3 + fakeTokenCount(m.content), 0);
		let text = fake.reply(system, messages);
		let stop = 'end_turn';
		const words = text.match(/\S+\s*/g) ?? [];
		if (fakeTokenCount(text) > body.max_tokens) {
			const kept: string[] = [];
			for (const w of words) {
				if (fakeTokenCount(kept.join('') + w) > body.max_tokens) break;
				kept.push(w);
			}
			text = kept.join('');
			stop = 'max_tokens';
		}
		const outputTokens = fakeTokenCount(text);
		seq += 1;
		const id = `msg_fake${seq}`;
		if (body.stream !== true) {
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end(
				JSON.stringify({
					id,
					type: 'message',
					role: 'assistant',
					model,
					content: [{ type: 'text', text }],
					stop_reason: stop,
					stop_sequence: null,
					usage: { input_tokens: inputTokens, output_tokens: outputTokens }
				})
			);
		}
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const event = (type: string, data: Record<string, unknown>) =>
			res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
		event('message_start', {
			message: {
				id,
				type: 'message',
				role: 'assistant',
				model,
				content: [],
				stop_reason: null,
				stop_sequence: null,
				usage: { input_tokens: inputTokens, output_tokens: 1 }
			}
		});
		event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
		event('ping', {});
		for (const piece of text.match(/\S+\s*/g) ?? []) {
			event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
			await new Promise((done) => setImmediate(done));
		}
		event('content_block_stop', { index: 0 });
		event('message_delta', {
			delta: { stop_reason: stop, stop_sequence: null },
			usage: { output_tokens: outputTokens }
		});
		event('message_stop', {});
		res.end();
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((e: unknown) => {
			if (!res.headersSent) error(res, 500, String(e));
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
