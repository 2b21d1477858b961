import { describe, expect, it } from 'vitest';
import { tenantSlugForHost } from './hosts';

describe('tenantSlugForHost', () => {
	it('reads the tenant from a subdomain of localhost or of the app host', async () => {
		expect(await tenantSlugForHost('acme.localhost', 'app.example.com')).toBe('acme');
		expect(await tenantSlugForHost('ACME.app.example.com.', 'app.example.com')).toBe('acme');
	});

	it('gives the app host, IP addresses and malformed labels no tenant', async () => {
		expect(await tenantSlugForHost('localhost', 'localhost')).toBeNull();
		expect(await tenantSlugForHost('app.example.com', 'app.example.com')).toBeNull();
		expect(await tenantSlugForHost('127.0.0.1', 'localhost')).toBeNull();
		expect(await tenantSlugForHost('[::1]', 'localhost')).toBeNull();
		expect(await tenantSlugForHost('a.b.localhost', 'localhost')).toBeNull();
		expect(await tenantSlugForHost('-x-.localhost', 'localhost')).toBeNull();
	});
});
