import { describe, expect, it } from 'vitest';
import { compareKeys, isKey, keyBetween } from './fractional';

/** A small deterministic PRNG (mulberry32), so a failure names its seed and replays. */
function random(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('keyBetween', () => {
	it('gives the same keys as the SQL function (53-tasks pins these)', () => {
		expect(keyBetween(null, null)).toBe('V');
		expect(keyBetween('V', null)).toBe('l');
		expect(keyBetween(null, 'V')).toBe('G');
		expect(keyBetween('V', 'W')).toBe('VV');
		expect(keyBetween('Vz', 'W')).toBe('VzV');
		expect(keyBetween('a1', 'a2')).toBe('a1V');
	});

	it('refuses keys out of order or malformed', () => {
		expect(() => keyBetween('W', 'V')).toThrow(/out of order/);
		expect(() => keyBetween('V', 'V')).toThrow(/out of order/);
		expect(() => keyBetween('V0', null)).toThrow(/not ending in 0/);
		expect(() => keyBetween(null, 'a-b')).toThrow(/base-62/);
	});

	for (const seed of [1, 2, 3, 42, 2026]) {
		it(`keeps a strict order over 2000 random inserts and moves (seed ${seed})`, () => {
			const next = random(seed);
			const keys: string[] = [];
			for (let step = 0; step < 2000; step++) {
				// Insert at a random gap (0: the start, keys.length: the end), or move a random card there.
				if (keys.length > 2 && next() < 0.3) keys.splice(Math.floor(next() * keys.length), 1);
				const gap = Math.floor(next() * (keys.length + 1));
				const before = gap > 0 ? keys[gap - 1]! : null;
				const after = gap < keys.length ? keys[gap]! : null;
				const key = keyBetween(before, after);
				expect(isKey(key), `${key} is well formed`).toBe(true);
				if (before !== null) expect(compareKeys(before, key)).toBe(-1);
				if (after !== null) expect(compareKeys(key, after)).toBe(-1);
				keys.splice(gap, 0, key);
			}
			const sorted = [...keys].sort(compareKeys);
			expect(sorted).toEqual(keys);
			expect(new Set(keys).size).toBe(keys.length);
		});
	}

	it('keeps keys short when cards are appended or prepended again and again', () => {
		let last: string | null = null;
		let first: string | null = null;
		for (let i = 0; i < 300; i++) {
			last = keyBetween(last, null);
			first = keyBetween(null, first);
		}
		expect(last!.length).toBeLessThanOrEqual(60);
		expect(first!.length).toBeLessThanOrEqual(60);
	});
});
