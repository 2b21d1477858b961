/**
 * Which tenant a request's host name belongs to: `<slug>.<app host>` (acme.localhost:3000 works
 * in browsers, which resolve *.localhost to the loopback), or a verified custom domain. The app
 * host itself, IP addresses and unknown names belong to no tenant. Answers are cached for a
 * minute: a domain removed or a tenant archived stops routing within that time.
 */
import { asServiceRole } from '../platform/db';
import { resolveTenantHost } from './queries';

const SLUG = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const TTL_MS = 60_000;
/** Host headers are the client's to choose: the cache forgets everything past this many names. */
const CACHE_LIMIT = 10_000;
const cache = new Map<string, { slug: string | null; until: number }>();

/** The tenant slug a host's name routes to, if any. `appHost` is PUBLIC_APP_URL's host name. */
export async function tenantSlugForHost(host: string, appHost: string): Promise<string | null> {
	const name = host.toLowerCase().replace(/\.$/, '');
	const bases = new Set([appHost.toLowerCase(), 'localhost']);
	if (bases.has(name) || /^[\d.]+$/.test(name) || name.includes(':')) return null;
	for (const base of bases) {
		if (name.endsWith(`.${base}`)) {
			const label = name.slice(0, -base.length - 1);
			return SLUG.test(label) ? label : null;
		}
	}
	const hit = cache.get(name);
	if (hit && hit.until > Date.now()) return hit.slug;
	const slug = await asServiceRole('domains.resolve', (trx) => resolveTenantHost(trx, name));
	if (cache.size >= CACHE_LIMIT) cache.clear();
	cache.set(name, { slug, until: Date.now() + TTL_MS });
	return slug;
}

/** Drops a cached answer, when this process verifies or removes the domain. */
export function forgetHost(host: string): void {
	cache.delete(host.toLowerCase());
}
