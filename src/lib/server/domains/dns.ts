/**
 * The DNS check that proves a tenant controls a domain: a TXT record at `_tenantry.<domain>`
 * holding `tenantry-verification=<token>`, looked up through the resolver boundary (resolver.ts;
 * DOMAIN_DNS_SERVERS points it at chosen servers, and tests run a real UDP DNS server there).
 */
import { createResolver, type DnsResolver } from './resolver';

export const TXT_PREFIX = '_tenantry';

export function expectedRecord(token: string): string {
	return `tenantry-verification=${token}`;
}

export interface DnsCheck {
	verified: boolean;
	/** Why not, in words a person can act on. */
	problem: string | null;
}

export async function checkDomainRecord(
	domain: string,
	token: string,
	servers: string[] = [],
	resolver: DnsResolver = createResolver(servers)
): Promise<DnsCheck> {
	const name = `${TXT_PREFIX}.${domain}`;
	const lookup = await resolver.lookup('TXT', name);
	if (lookup.kind === 'found' && lookup.values.includes(expectedRecord(token))) {
		return { verified: true, problem: null };
	}
	return {
		verified: false,
		problem:
			lookup.kind === 'found'
				? `${name} has TXT records, but none is ${expectedRecord(token)}.`
				: lookup.kind === 'none'
					? `No TXT record at ${name} yet (DNS changes can take a while to appear).`
					: `The DNS lookup of ${name} failed (${lookup.code}); try again later.`
	};
}
