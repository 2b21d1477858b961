/**
 * A sliding-window rate limiter kept in memory: at most `limit` hits per key in any `windowMs`.
 * Forms key it by what they protect (`sign-in:${ip}:${email}`, `reset:${ip}`). It is per process,
 * which is what the embedded profile is; several app servers would need a shared store.
 */
import { AuthError } from './errors';

export interface RateLimitResult {
	allowed: boolean;
	remaining: number;
	/** 0 when allowed; otherwise how long until the oldest hit leaves the window. */
	retryAfterMs: number;
}

export interface RateLimiterOptions {
	limit: number;
	windowMs: number;
	now?: () => number;
}

export class RateLimiter {
	private readonly hits = new Map<string, number[]>();
	private readonly now: () => number;
	private lastSweep = 0;

	constructor(private readonly options: RateLimiterOptions) {
		if (options.limit < 1 || options.windowMs <= 0)
			throw new Error('limit and windowMs must be positive');
		this.now = options.now ?? Date.now;
	}

	/** Records a hit for `key` unless the window is full; a refused hit is not recorded. */
	hit(key: string): RateLimitResult {
		const now = this.now();
		this.sweep(now);
		const recent = this.recent(key, now);
		if (recent.length >= this.options.limit) {
			return {
				allowed: false,
				remaining: 0,
				retryAfterMs: recent[0]! + this.options.windowMs - now
			};
		}
		recent.push(now);
		this.hits.set(key, recent);
		return { allowed: true, remaining: this.options.limit - recent.length, retryAfterMs: 0 };
	}

	/** Like `hit`, but throws `rate_limited` (with the wait) when the window is full. */
	consume(key: string): void {
		const result = this.hit(key);
		if (!result.allowed) throw new AuthError('rate_limited', [], result.retryAfterMs);
	}

	/** Forgets a key (after a successful sign-in, say). */
	reset(key: string): void {
		this.hits.delete(key);
	}

	private recent(key: string, now: number): number[] {
		return (this.hits.get(key) ?? []).filter((at) => at > now - this.options.windowMs);
	}

	/** Drops keys with no hit left in the window, at most once per window, so memory stays bounded. */
	private sweep(now: number) {
		if (now - this.lastSweep < this.options.windowMs) return;
		this.lastSweep = now;
		for (const [key, hits] of this.hits) {
			if (!hits.some((at) => at > now - this.options.windowMs)) this.hits.delete(key);
		}
	}

	/** How many keys are held (for tests and metrics). */
	get size(): number {
		return this.hits.size;
	}
}
