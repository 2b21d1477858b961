/**
 * Rate limits of the API and their headers (IETF draft-ietf-httpapi-ratelimit-headers:
 * `RateLimit-Policy: "<name>";q=<quota>;w=<window s>` and `RateLimit: "<name>";r=<remaining>;t=<s>`).
 * An API key is limited by the API keys module's limiter, shared by every process; a person
 * (session cookie or access token) by a fixed window per user in this process
 * (API_PERSON_RATE_LIMIT per minute), which is enough for a person's own scripts.
 */
import { ApiProblem } from './problem';

export interface RateLimitState {
	/** The policy's name in the headers ("person", "key"). */
	policy: string;
	limit: number;
	windowSeconds: number;
	remaining: number;
	/** Seconds until the window resets. */
	resetSeconds: number;
	allowed: boolean;
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
	return {
		'ratelimit-policy': `"${state.policy}";q=${state.limit};w=${state.windowSeconds}`,
		ratelimit: `"${state.policy}";r=${state.remaining};t=${state.resetSeconds}`
	};
}

/** Throws TN228 with Retry-After and the headers when the state says no. */
export function enforce(state: RateLimitState): Record<string, string> {
	const headers = rateLimitHeaders(state);
	if (!state.allowed) {
		throw new ApiProblem('TN228', `At most ${state.limit} requests per ${state.windowSeconds} s.`, {
			headers: { ...headers, 'retry-after': String(Math.max(1, state.resetSeconds)) }
		});
	}
	return headers;
}

/** A fixed window per subject in this process. */
export class WindowLimiter {
	private readonly windows = new Map<string, { start: number; count: number }>();

	constructor(
		readonly policy: string,
		readonly limit: number,
		readonly windowMs: number,
		private readonly now: () => number = Date.now
	) {}

	hit(subject: string): RateLimitState {
		const now = this.now();
		let window = this.windows.get(subject);
		if (!window || now - window.start >= this.windowMs) {
			if (this.windows.size > 10_000) this.sweep(now);
			window = { start: now, count: 0 };
			this.windows.set(subject, window);
		}
		const allowed = window.count < this.limit;
		if (allowed) window.count += 1;
		return {
			policy: this.policy,
			limit: this.limit,
			windowSeconds: Math.round(this.windowMs / 1000),
			remaining: this.limit - window.count,
			resetSeconds: Math.ceil((window.start + this.windowMs - now) / 1000),
			allowed
		};
	}

	private sweep(now: number): void {
		for (const [subject, window] of this.windows) {
			if (now - window.start >= this.windowMs) this.windows.delete(subject);
		}
	}
}
