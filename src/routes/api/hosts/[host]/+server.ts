import { json } from '@sveltejs/kit';
import { tenantSlugForHost } from '$lib/server/domains/hosts';
import { ensureRuntime } from '$lib/server/platform/runtime';
import type { RequestHandler } from './$types';

/**
 * The tenant a host name routes to, for the `reroute` hook (src/hooks.ts), which cannot reach the
 * database itself because it also runs in the browser. Only the request's own host is answered,
 * so this is no directory of custom domains.
 */
export const GET: RequestHandler = async ({ params, url }) => {
	if (params.host.toLowerCase() !== url.hostname.toLowerCase()) {
		return json({ slug: null }, { status: 404 });
	}
	const { config } = await ensureRuntime();
	const slug = await tenantSlugForHost(params.host, new URL(config.PUBLIC_APP_URL).hostname);
	return json({ slug }, { headers: { 'cache-control': 'private, max-age=60' } });
};
