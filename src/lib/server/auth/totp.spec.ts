import { describe, expect, it } from 'vitest';
import {
	base32Decode,
	base32Encode,
	generateTotpSecret,
	hotp,
	matchTotp,
	otpauthUri,
	totpCode,
	totpStep
} from './totp';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET = base32Encode(RFC_SEED);

describe('base32', () => {
	it('encodes and decodes RFC 4648 test vectors', () => {
		const vectors: [string, string][] = [
			['f', 'MY'],
			['fo', 'MZXQ'],
			['foo', 'MZXW6'],
			['foob', 'MZXW6YQ'],
			['fooba', 'MZXW6YTB'],
			['foobar', 'MZXW6YTBOI']
		];
		for (const [plain, encoded] of vectors) {
			expect(base32Encode(Buffer.from(plain))).toBe(encoded);
			expect(base32Decode(encoded).toString()).toBe(plain);
		}
		expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
	});
	it('forgives spaces, padding and lower case, refuses other characters', () => {
		expect(base32Decode('mzxw 6ytb oi==').toString()).toBe('foobar');
		expect(() => base32Decode('MZ1W')).toThrow(/base32/);
	});
	it('makes 160-bit secrets', () => {
		expect(base32Decode(generateTotpSecret())).toHaveLength(20);
		expect(generateTotpSecret()).not.toBe(generateTotpSecret());
	});
});

describe('HOTP (RFC 4226 appendix D)', () => {
	it('gives the published values for counters 0–9', () => {
		const expected = [
			'755224',
			'287082',
			'359152',
			'969429',
			'338314',
			'254676',
			'287922',
			'162583',
			'399871',
			'520489'
		];
		expect(expected.map((_, counter) => hotp(RFC_SEED, counter))).toEqual(expected);
	});
});

describe('TOTP (RFC 6238 appendix B, SHA-1, last six digits)', () => {
	const vectors: [number, string][] = [
		[59, '94287082'],
		[1111111109, '07081804'],
		[1111111111, '14050471'],
		[1234567890, '89005924'],
		[2000000000, '69279037'],
		[20000000000, '65353130']
	];
	it.each(vectors)('at %i s gives %s', (seconds, eight) => {
		expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(eight.slice(-6));
		expect(hotp(RFC_SEED, totpStep(seconds * 1000), 8)).toBe(eight);
	});

	it('accepts the previous, current and next step and names the step', () => {
		const at = 1111111111 * 1000;
		const step = totpStep(at);
		expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, at), at)).toBe(step);
		expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, at - 30_000), at)).toBe(step - 1);
		expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, at + 30_000), at)).toBe(step + 1);
	});

	it('refuses codes two steps away, malformed codes and wrong codes', () => {
		const at = 1234567890 * 1000;
		expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, at - 60_000), at)).toBeNull();
		expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, at + 60_000), at)).toBeNull();
		expect(matchTotp(RFC_SECRET, '12345', at)).toBeNull();
		expect(matchTotp(RFC_SECRET, 'abcdef', at)).toBeNull();
		const right = totpCode(RFC_SECRET, at);
		const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
		expect(matchTotp(RFC_SECRET, wrong, at)).toBeNull();
	});
});

describe('otpauth URI', () => {
	it('carries the secret, issuer and parameters authenticator apps read', () => {
		const uri = new URL(otpauthUri('JBSWY3DPEHPK3PXP', 'ada@example.com', 'Tenantry'));
		expect(uri.protocol).toBe('otpauth:');
		expect(uri.host).toBe('totp');
		expect(decodeURIComponent(uri.pathname)).toBe('/Tenantry:ada@example.com');
		expect(Object.fromEntries(uri.searchParams)).toEqual({
			secret: 'JBSWY3DPEHPK3PXP',
			issuer: 'Tenantry',
			algorithm: 'SHA1',
			digits: '6',
			period: '30'
		});
	});
});
