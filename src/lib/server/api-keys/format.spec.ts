import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, generateApiKey, maskApiKey, parseApiKey } from './format';

describe('API key format', () => {
	it('makes keys of the scanner pattern whose checksum verifies', () => {
		for (const mode of ['live', 'test'] as const) {
			const key = generateApiKey(mode);
			expect(key).toMatch(API_KEY_PATTERN);
			expect(key.startsWith(`tnt_${mode}_`)).toBe(true);
			expect(parseApiKey(key)).toEqual({ mode, prefix: key.slice(0, 17), lastFour: key.slice(-4) });
		}
	});

	it('refuses a typo, a swapped mode and noise offline', () => {
		const key = generateApiKey('live');
		const typo = key.slice(0, 30) + (key[30] === 'x' ? 'y' : 'x') + key.slice(31);
		expect(parseApiKey(typo)).toBeNull();
		expect(parseApiKey(key.replace('tnt_live_', 'tnt_test_'))).toBeNull();
		expect(parseApiKey('tnt_live_short')).toBeNull();
		expect(parseApiKey(`${key} `)).toBeNull();
	});

	it('checks the demo keys of the README', () => {
		expect(parseApiKey('tnt_test_DemoAcmeKeyDoNotUseInProduction13DRKS1')).not.toBeNull();
		expect(parseApiKey('tnt_test_DemoGlobexKeyNotForProduction0012vPKt7')).not.toBeNull();
	});

	it('draws every body character from the whole alphabet', () => {
		const seen = new Set(
			Array.from({ length: 200 }, () => generateApiKey('test').slice(9, 41)).join('')
		);
		expect(seen.size).toBe(62);
	});

	it('masks a key as prefix…last four', () => {
		expect(maskApiKey('tnt_live_AbCd1234', 'wxyz')).toBe('tnt_live_AbCd1234…wxyz');
	});
});
