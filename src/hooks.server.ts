import type { Handle, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { readSession } from '$lib/server/auth/cookies';
import { inRequest } from '$lib/server/db/rls';
import { ensureRuntime, getAuth } from '$lib/server/runtime';
import { describeRequest, trustedProxies } from '$lib/server/web/client-address';

export const init: ServerInit = async () => {
	await ensureRuntime();
};

/**
 * Endpoints that serve no person, so never read (or refresh) the session: the health probe, and the
 * host lookup the `reroute` hook fetches on the same request — refreshing there would spend the
 * single-use refresh token the request itself is about to use.
 */
const ANONYMOUS = /^\/api\/(health|hosts)(\/|$)/;

const authenticate: Handle = async ({ event, resolve }) => {
	event.locals.claims = ANONYMOUS.test(event.url.pathname)
		? null
		: await readSession(await getAuth(), event.cookies, event.url);
	return resolve(event);
};

let proxies: ReturnType<typeof trustedProxies> | undefined;

/** Every transaction the request opens records its client address and user agent (rls.ts). */
const requestContext: Handle = async ({ event, resolve }) => {
	proxies ??= trustedProxies((await ensureRuntime()).config.TRUSTED_PROXIES);
	return inRequest(describeRequest(event, proxies), () => resolve(event));
};

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'strict-origin-when-cross-origin');
	response.headers.set('x-frame-options', 'DENY');
	response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
	response.headers.set('cross-origin-opener-policy', 'same-origin');
	return response;
};

export const handle = sequence(securityHeaders, requestContext, authenticate);
