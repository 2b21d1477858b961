/**
 * The address of the person behind a request. The socket's peer is the truth unless it is one of
 * the configured proxies (TRUSTED_PROXIES); then X-Forwarded-For is walked from the right — each
 * trusted proxy appends the address it saw — to the first hop that is not a trusted proxy. Entries
 * further left were written by the client and are never believed (docs/audit-log.md).
 */
import { BlockList, isIP } from 'node:net';
import type { RequestEvent } from '@sveltejs/kit';
import type { RequestContext } from '$lib/server/platform/rls';
import { REQUEST_ID_HEADER, requestIdFor } from '$lib/server/platform/observability/request-id';

/** `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`, `::1`: an address or a CIDR block. */
export function parseProxyEntry(entry: string): { address: string; prefix?: number } | null {
	const [address = '', prefix, ...rest] = entry.trim().split('/');
	const family = isIP(address);
	if (!family || rest.length > 0) return null;
	if (prefix === undefined) return { address };
	const bits = Number(prefix);
	const max = family === 4 ? 32 : 128;
	return /^\d{1,3}$/.test(prefix) && bits <= max ? { address, prefix: bits } : null;
}

export function trustedProxies(entries: readonly string[]): BlockList {
	const list = new BlockList();
	for (const entry of entries) {
		const parsed = parseProxyEntry(entry);
		if (!parsed) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an address or CIDR block.`);
		const family = isIP(parsed.address) === 4 ? 'ipv4' : 'ipv6';
		if (parsed.prefix === undefined) list.addAddress(parsed.address, family);
		else list.addSubnet(parsed.address, parsed.prefix, family);
	}
	return list;
}

/** A bare address: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as IPv4, brackets and ports dropped. */
export function normalizeAddress(raw: string): string | null {
	let value = raw.trim();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
	if (bracketed) value = bracketed[1]!;
	else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
	if (mapped) value = mapped[1]!;
	return isIP(value) ? value.toLowerCase() : null;
}

function isTrusted(list: BlockList, address: string): boolean {
	return list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's address: the peer when it is not a trusted proxy, else the right-most
 * X-Forwarded-For hop that is not one (or, when every hop is trusted, the left-most). A hop that is
 * not an address ends the walk at the proxy that forwarded it.
 */
export function clientAddress(
	peer: string | undefined,
	forwardedFor: string | null,
	trusted: BlockList
): string | undefined {
	let current = peer === undefined ? null : normalizeAddress(peer);
	if (current === null) return undefined;
	const hops = (forwardedFor ?? '').split(',').filter((hop) => hop.trim() !== '');
	while (isTrusted(trusted, current) && hops.length > 0) {
		const next = normalizeAddress(hops.pop()!);
		if (next === null) break;
		current = next;
	}
	return current;
}

/** A tenant's pages (and their actions): the routes whose IP allowlist is the tenant's. */
const TENANT_ROUTE = /^\/\(app\)\/t\/\[slug\](\/|$)/;

/**
 * What a request's transaction records about it (rls.ts sets it as PostgREST would), and its id:
 * a trusted proxy's `x-request-id`, else a new one (observability/request-id.ts); and the tenant
 * slug of a tenant page, whose IP allowlist its transactions check (platform/db.ts).
 */
export function describeRequest(event: RequestEvent, trusted: BlockList): RequestContext {
	let peer: string | undefined;
	try {
		peer = event.getClientAddress();
	} catch {
		peer = undefined;
	}
	const userAgent = event.request.headers.get('user-agent');
	const direct = peer === undefined ? null : normalizeAddress(peer);
	const fromProxy = direct !== null && isTrusted(trusted, direct);
	return {
		requestId: requestIdFor(event.request.headers.get(REQUEST_ID_HEADER), fromProxy),
		clientIp: clientAddress(peer, event.request.headers.get('x-forwarded-for'), trusted),
		headers: userAgent ? { 'user-agent': userAgent } : {},
		method: event.request.method,
		path: event.url.pathname,
		tenantSlug: TENANT_ROUTE.test(event.route.id ?? '') ? event.params.slug : undefined
	};
}
