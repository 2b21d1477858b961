/**
 * What the provider clients share: a fetch with a timeout that turns every failure into an
 * IntegrationError with a sentence a page can show, and the rate-limit error that says when to try
 * again (the queue's retry waits at least that long).
 */

/** A provider call that failed: `retryable` when trying again later may succeed. */
export class IntegrationError extends Error {
	constructor(
		message: string,
		readonly retryable: boolean,
		/** The provider's own error code (`invalid_auth`, 404 …), when it gave one. */
		readonly code?: string
	) {
		super(message);
		this.name = 'IntegrationError';
	}
}

/** The provider's rate limit is spent until `retryAt`. */
export class RateLimitedError extends IntegrationError {
	constructor(
		provider: string,
		readonly retryAt: Date
	) {
		super(
			`${provider}'s rate limit is spent until ${retryAt.toISOString()}; try again then.`,
			true,
			'rate_limited'
		);
		this.name = 'RateLimitedError';
	}
}

export const REQUEST_TIMEOUT_MS = 15_000;

/** fetch, with a timeout and network failures as a retryable IntegrationError. */
export async function request(
	provider: string,
	url: string,
	init: RequestInit,
	timeoutMs = REQUEST_TIMEOUT_MS
): Promise<Response> {
	try {
		return await fetch(url, {
			...init,
			redirect: 'manual',
			signal: AbortSignal.timeout(timeoutMs)
		});
	} catch (error) {
		const reason =
			(error as Error).name === 'TimeoutError'
				? `no answer in ${timeoutMs / 1000} s`
				: ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
		throw new IntegrationError(`${provider} could not be reached (${reason}).`, true);
	}
}

/** The body as JSON, or an IntegrationError naming what came back instead. */
export async function jsonBody(provider: string, response: Response): Promise<unknown> {
	const text = await response.text();
	try {
		return JSON.parse(text);
	} catch {
		throw new IntegrationError(
			`${provider} answered ${response.status} with a body that is not JSON.`,
			response.status >= 500
		);
	}
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
