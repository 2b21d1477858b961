import { describe, expect, it } from 'vitest';
import { AuthError } from './errors';
import { RateLimiter } from './rate-limit';

function limiter(limit: number, windowMs: number) {
	const clock = { now: 1_000_000 };
	return { clock, rl: new RateLimiter({ limit, windowMs, now: () => clock.now }) };
}

describe('RateLimiter', () => {
	it('allows `limit` hits per key in the window, then refuses with the wait', () => {
		const { clock, rl } = limiter(3, 60_000);
		expect([1, 2, 3].map(() => rl.hit('k').remaining)).toEqual([2, 1, 0]);
		clock.now += 10_000;
		expect(rl.hit('k')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 50_000 });
	});

	it('slides: each hit leaves the window on its own, not all at once at a boundary', () => {
		const { clock, rl } = limiter(2, 60_000);
		rl.hit('k');
		clock.now += 30_000;
		rl.hit('k');
		clock.now += 30_001; // the first hit has left, the second has not
		expect(rl.hit('k').allowed).toBe(true);
		expect(rl.hit('k').allowed).toBe(false);
	});

	it('does not count refused hits, so hammering does not extend the wait', () => {
		const { clock, rl } = limiter(1, 1000);
		rl.hit('k');
		for (let i = 0; i < 10; i++) {
			clock.now += 50;
			expect(rl.hit('k').allowed).toBe(false);
		}
		clock.now = 1_000_000 + 1001;
		expect(rl.hit('k').allowed).toBe(true);
	});

	it('keeps keys apart and forgets a key on reset', () => {
		const { rl } = limiter(1, 1000);
		expect(rl.hit('ip1:ada@example.com').allowed).toBe(true);
		expect(rl.hit('ip1:bob@example.com').allowed).toBe(true);
		expect(rl.hit('ip1:ada@example.com').allowed).toBe(false);
		rl.reset('ip1:ada@example.com');
		expect(rl.hit('ip1:ada@example.com').allowed).toBe(true);
	});

	it('consume throws rate_limited with retryAfterMs', () => {
		const { rl } = limiter(1, 5000);
		rl.consume('k');
		try {
			rl.consume('k');
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(AuthError);
			expect((error as AuthError).code).toBe('rate_limited');
			expect((error as AuthError).retryAfterMs).toBe(5000);
		}
	});

	it('drops idle keys so memory stays bounded', () => {
		const { clock, rl } = limiter(5, 1000);
		for (let i = 0; i < 100; i++) rl.hit(`key-${i}`);
		expect(rl.size).toBe(100);
		clock.now += 2000;
		rl.hit('fresh');
		expect(rl.size).toBe(1);
	});
});
