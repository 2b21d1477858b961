/**
 * Tenant resolution by host. On a tenant's own host (acme.localhost:3000, or a verified custom
 * domain such as portal.acme.com) its pages answer at the root: `/members` is served by
 * `/t/acme/members`. The path form (/t/acme/…) works on every host and is what links use, and the
 * app's own sections (sign-in, /app, /admin …) are never rerouted. Which tenant a host belongs to
 * is the server's answer (/api/hosts/<host>), asked once per host and page load.
 */
import type { Reroute } from '@sveltejs/kit';
import { browser } from '$app/environment';

const APP_PATHS = /^\/(t|app|admin|auth|api|dev|account|invite|_app)(\/|$)/;
const answers = new Map<string, Promise<string | null>>();

export const reroute: Reroute = async ({ url, fetch }) => {
	if (APP_PATHS.test(url.pathname) || url.hostname === 'localhost' || /^[\d.]+$/.test(url.hostname))
		return;
	// The server asks its own endpoint (which caches) on every request; a browser asks once.
	let slug = browser ? answers.get(url.hostname) : undefined;
	if (!slug) {
		slug = fetch(`/api/hosts/${encodeURIComponent(url.hostname)}`)
			.then(async (r) => (r.ok ? ((await r.json()) as { slug: string | null }).slug : null))
			.catch(() => null);
		if (browser) answers.set(url.hostname, slug);
	}
	const tenant = await slug;
	if (!tenant) return;
	return `/t/${tenant}${url.pathname === '/' ? '' : url.pathname}`;
};
