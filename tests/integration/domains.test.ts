import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDomainRecord, expectedRecord } from '../../src/lib/server/domains/dns';
import { startDnsServer, type DnsServer } from '../support/dns-server';

describe('custom domain DNS check, against a real DNS server', () => {
	let dns: DnsServer;
	beforeAll(async () => {
		dns = await startDnsServer();
	});
	afterAll(() => dns.close());

	it('verifies a domain whose TXT record carries the token', async () => {
		dns.records.set('_tenantry.portal.example.test', ['v=spf1 -all', expectedRecord('abc123')]);
		expect(await checkDomainRecord('portal.example.test', 'abc123', [dns.address])).toEqual({
			verified: true,
			problem: null
		});
	});

	it('refuses another token and says which record it expected', async () => {
		dns.records.set('_tenantry.other.example.test', [expectedRecord('someone-else')]);
		const check = await checkDomainRecord('other.example.test', 'abc123', [dns.address]);
		expect(check.verified).toBe(false);
		expect(check.problem).toContain('tenantry-verification=abc123');
	});

	it('says the record is missing when the name does not exist', async () => {
		const check = await checkDomainRecord('missing.example.test', 'abc123', [dns.address]);
		expect(check.verified).toBe(false);
		expect(check.problem).toMatch(/No TXT record at _tenantry\.missing\.example\.test/);
	});
});
