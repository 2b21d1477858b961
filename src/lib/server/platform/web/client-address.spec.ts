import { describe, expect, it } from 'vitest';
import { clientAddress, normalizeAddress, parseProxyEntry, trustedProxies } from './client-address';

describe('clientAddress', () => {
	const none = trustedProxies([]);
	const proxies = trustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);

	it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For claims', () => {
		expect(clientAddress('203.0.113.7', '6.6.6.6', none)).toBe('203.0.113.7');
		expect(clientAddress('127.0.0.1', '6.6.6.6', none)).toBe('127.0.0.1');
	});

	it('behind trusted proxies takes the right-most hop that is not one of them', () => {
		expect(clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.7', proxies)).toBe('203.0.113.7');
		expect(clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.7, 10.1.1.1', proxies)).toBe(
			'203.0.113.7'
		);
		expect(clientAddress('127.0.0.1', '2001:db8::7,fd00::1', proxies)).toBe('2001:db8::7');
	});

	it('believes nothing a client sent to the app directly', () => {
		expect(clientAddress('198.51.100.9', '10.0.0.3', proxies)).toBe('198.51.100.9');
	});

	it('stops at a hop that is not an address, and falls back to the left-most when all are proxies', () => {
		expect(clientAddress('10.0.0.2', '6.6.6.6, garbage', proxies)).toBe('10.0.0.2');
		expect(clientAddress('10.0.0.2', '10.9.9.9, 10.8.8.8', proxies)).toBe('10.9.9.9');
		expect(clientAddress('10.0.0.2', null, proxies)).toBe('10.0.0.2');
	});

	it('reads IPv4-mapped peers as IPv4 and drops ports and brackets', () => {
		expect(clientAddress('::ffff:127.0.0.1', '203.0.113.7:4711', proxies)).toBe('203.0.113.7');
		expect(normalizeAddress('[2001:DB8::1]:443')).toBe('2001:db8::1');
		expect(normalizeAddress('nope')).toBeNull();
		expect(clientAddress(undefined, '6.6.6.6', proxies)).toBeUndefined();
	});
});

describe('TRUSTED_PROXIES entries', () => {
	it('are addresses or CIDR blocks', () => {
		expect(parseProxyEntry('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8 });
		expect(parseProxyEntry('::1')).toEqual({ address: '::1' });
		expect(parseProxyEntry('10.0.0.0/33')).toBeNull();
		expect(parseProxyEntry('proxy.internal')).toBeNull();
		expect(parseProxyEntry('10.0.0.0/8/1')).toBeNull();
		expect(() => trustedProxies(['nope'])).toThrow(/TRUSTED_PROXIES: "nope"/);
	});
});
