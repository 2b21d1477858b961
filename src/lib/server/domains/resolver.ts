/**
 * The resolver boundary: every DNS lookup of the domains module goes through here. It wraps
 * node:dns/promises' Resolver, pointed at the configured servers (DOMAIN_DNS_SERVERS; the system's
 * resolvers when unset), and answers in one shape per record type: the values found as text
 * (CNAME targets lower-cased without the trailing dot, TXT strings joined, CAA as
 * `<flags> <tag> "<value>"`), nothing there, or the failure's code. Tests point it at a local DNS
 * stand-in (tests/support/dns-server.ts), never at a public resolver.
 */
import { Resolver } from 'node:dns/promises';

export const DNS_RECORD_TYPES = ['CNAME', 'TXT', 'CAA', 'A', 'AAAA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

export type Lookup =
	{ kind: 'found'; values: string[] } | { kind: 'none' } | { kind: 'error'; code: string };

export interface DnsResolver {
	lookup(type: DnsRecordType, name: string): Promise<Lookup>;
}

/** A host name as DNS compares it: lower case, no trailing dot. */
export function normaliseHost(name: string): string {
	return name.toLowerCase().replace(/\.$/, '');
}

/** DOMAIN_DNS_SERVERS as the resolver takes it (empty: the system's resolvers). */
export function configuredServers(setting: string | undefined): string[] {
	return setting?.split(',').filter(Boolean) ?? [];
}

export function createResolver(
	servers: string[] = [],
	options: { timeout?: number; tries?: number } = {}
): DnsResolver {
	const resolver = new Resolver({ timeout: options.timeout ?? 3000, tries: options.tries ?? 2 });
	if (servers.length) resolver.setServers(servers);
	const read: Record<DnsRecordType, (name: string) => Promise<string[]>> = {
		CNAME: async (name) => (await resolver.resolveCname(name)).map(normaliseHost),
		TXT: async (name) => (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')),
		CAA: async (name) =>
			(await resolver.resolveCaa(name)).map((r) => {
				const [tag, value] = Object.entries(r).find(([key]) => key !== 'critical') ?? ['', ''];
				return `${r.critical} ${tag} "${value}"`;
			}),
		A: (name) => resolver.resolve4(name),
		AAAA: (name) => resolver.resolve6(name)
	};
	return {
		async lookup(type, name) {
			try {
				const values = await read[type](name);
				return values.length ? { kind: 'found', values } : { kind: 'none' };
			} catch (e) {
				const code = (e as { code?: string }).code ?? 'error';
				return code === 'ENOTFOUND' || code === 'ENODATA'
					? { kind: 'none' }
					: { kind: 'error', code };
			}
		}
	};
}
