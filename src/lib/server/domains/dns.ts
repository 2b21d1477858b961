/**
 * The DNS check that proves a tenant controls a domain: a TXT record at `_tenantry.<domain>`
 * holding `tenantry-verification=<token>`. DNS is the edge of the system; DOMAIN_DNS_SERVERS
 * points the resolver at chosen servers (tests run a real UDP DNS server of their own there).
 */
import { Resolver } from 'node:dns/promises';

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
	servers: string[] = []
): Promise<DnsCheck> {
	const resolver = new Resolver({ timeout: 3000, tries: 2 });
	if (servers.length) resolver.setServers(servers);
	const name = `${TXT_PREFIX}.${domain}`;
	try {
		const records = (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
		if (records.includes(expectedRecord(token))) return { verified: true, problem: null };
		return {
			verified: false,
			problem: `${name} has TXT records, but none is ${expectedRecord(token)}.`
		};
	} catch (e) {
		const code = (e as { code?: string }).code;
		return {
			verified: false,
			problem:
				code === 'ENOTFOUND' || code === 'ENODATA'
					? `No TXT record at ${name} yet (DNS changes can take a while to appear).`
					: `The DNS lookup of ${name} failed (${code ?? 'error'}); try again later.`
		};
	}
}
