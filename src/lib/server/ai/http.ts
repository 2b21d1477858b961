/**
 * The gateway's HTTP: one attempt with a timeout (and the caller's abort signal), retries of 429,
 * 5xx and unanswered attempts with backoff — waiting what the provider asks for (`retry-after-ms`,
 * `retry-after` in seconds or as a date, `x-ratelimit-reset-requests/tokens` such as `1s`,
 * `6m0s`, `20ms`) or a doubling wait with jitter — never past MAX_WAIT_MS, and the server-sent
 * events of a streamed answer.
 */
import { AiError } from './errors';

export interface RetryPolicy {
	timeoutMs: number;
	maxRetries: number;
	baseMs: number;
}

/** The longest a retry waits; a provider asking for more is answered "try again later". */
export const MAX_WAIT_MS = 20_000;

/** `1s`, `6m0s`, `20ms`, `1h2m3.5s` in milliseconds (OpenAI's x-ratelimit-reset-* form). */
export function parseDuration(text: string): number | null {
	const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
	let total = 0;
	let consumed = 0;
	for (const match of text.matchAll(re)) {
		const n = Number(match[1]);
		total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
		consumed += match[0].length;
	}
	return consumed > 0 && consumed === text.trim().length ? total : null;
}

/** How long the provider asks us to wait before trying again, in milliseconds (null: it does not say). */
export function retryDelayFrom(headers: Headers, now = Date.now()): number | null {
	const ms = headers.get('retry-after-ms');
	if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
	const after = headers.get('retry-after');
	if (after) {
		if (/^\d+(\.\d+)?$/.test(after.trim())) return Number(after) * 1000;
		const at = Date.parse(after);
		if (!Number.isNaN(at)) return Math.max(0, at - now);
	}
	const resets = ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']
		.map((h) => headers.get(h))
		.filter((v): v is string => !!v)
		.map(parseDuration)
		.filter((v): v is number => v !== null);
	return resets.length ? Math.max(...resets) : null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
	new Promise<void>((done, fail) => {
		const timer = setTimeout(done, ms);
		signal?.addEventListener(
			'abort',
			() => {
				clearTimeout(timer);
				fail(new AiError('The call was cancelled.', false, 'cancelled'));
			},
			{ once: true }
		);
	});

/** What a failed answer says, from its body (OpenAI's `error.message`, Anthropic's `error.message`). */
export async function providerError(provider: string, response: Response): Promise<AiError> {
	const text = await response.text().catch(() => '');
	let message = '';
	let code: string | undefined;
	try {
		const body = JSON.parse(text) as {
			error?: { message?: unknown; code?: unknown; type?: unknown };
		};
		message = typeof body.error?.message === 'string' ? body.error.message : '';
		code =
			typeof body.error?.code === 'string'
				? body.error.code
				: typeof body.error?.type === 'string'
					? body.error.type
					: undefined;
	} catch {
		message = '';
	}
	const retryable = response.status === 429 || response.status >= 500;
	const said = message ? `: ${message.slice(0, 300)}` : '';
	return new AiError(
		`${provider} answered ${response.status}${said}`,
		retryable,
		code ?? String(response.status)
	);
}

/**
 * POSTs `body` as JSON to `url` until an answer that is not 429/5xx, or the retries are spent.
 * The response returned is ok (2xx); anything else throws an AiError with the provider's words.
 */
export async function postWithRetries(
	provider: string,
	url: string,
	headers: Record<string, string>,
	body: unknown,
	policy: RetryPolicy,
	signal?: AbortSignal
): Promise<{ response: Response; attempts: number }> {
	for (let attempt = 0; ; attempt++) {
		let wait: number | null = null;
		let failure: AiError;
		try {
			const timeout = AbortSignal.timeout(policy.timeoutMs);
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...headers },
				body: JSON.stringify(body),
				redirect: 'manual',
				signal: signal ? AbortSignal.any([signal, timeout]) : timeout
			});
			if (response.ok) return { response, attempts: attempt + 1 };
			failure = await providerError(provider, response);
			if (response.status >= 300 && response.status < 400)
				failure = new AiError(
					`${provider} answered ${response.status} (a redirect, not followed).`,
					false,
					'redirect'
				);
			wait = retryDelayFrom(response.headers);
		} catch (error) {
			if (signal?.aborted) throw new AiError('The call was cancelled.', false, 'cancelled');
			const name = (error as Error).name;
			const reason =
				name === 'TimeoutError' || name === 'AbortError'
					? `no answer in ${policy.timeoutMs / 1000} s`
					: ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
			failure = new AiError(`${provider} could not be reached (${reason}).`, true, 'unreachable');
		}
		if (!failure.retryable || attempt >= policy.maxRetries) throw failure;
		const backoff = policy.baseMs * 2 ** attempt * (0.5 + Math.random() / 2);
		const delay = wait ?? backoff;
		if (delay > MAX_WAIT_MS)
			throw new AiError(
				`${failure.message} It asks to wait ${Math.ceil(delay / 1000)} s; try again later.`,
				true,
				failure.code
			);
		await sleep(delay, signal);
	}
}

/** The events of a `text/event-stream` body: `{ event, data }` per blank-line-separated block. */
export async function* serverSentEvents(
	body: ReadableStream<Uint8Array>
): AsyncGenerator<{ event: string; data: string }> {
	const decoder = new TextDecoder();
	let buffer = '';
	const reader = body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
			buffer = buffer.replace(/\r\n?/g, '\n');
			let end: number;
			while ((end = buffer.indexOf('\n\n')) >= 0) {
				const block = buffer.slice(0, end);
				buffer = buffer.slice(end + 2);
				let event = 'message';
				const data: string[] = [];
				for (const line of block.split('\n')) {
					if (line.startsWith(':')) continue;
					const colon = line.indexOf(':');
					const field = colon < 0 ? line : line.slice(0, colon);
					const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
					if (field === 'event') event = value;
					else if (field === 'data') data.push(value);
				}
				if (data.length) yield { event, data: data.join('\n') };
			}
			if (done) return;
		}
	} finally {
		reader.releaseLock();
	}
}
