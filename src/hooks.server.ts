import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import '$lib/server/modules';
import { readSession } from '$lib/server/auth/cookies';
import { resolveViewAs } from '$lib/server/governance/view-as';
import { withRequestCookies } from '$lib/server/auth/ended-session';
import { themeClass } from '$lib/format/preferences';
import { getStripe } from '$lib/server/billing';
import { NOT_FOUND } from '$lib/server/platform/errors';
import { requestPreferences } from '$lib/server/preferences/service';
import { currentRequestContext, inRequest } from '$lib/server/platform/rls';
import { ensureRuntime, getAuth } from '$lib/server/platform/runtime';
import { describeRequest, trustedProxies } from '$lib/server/platform/web/client-address';
import { withFormActionSources, withFrameAncestors } from '$lib/server/platform/web/csp';
import { requestLogEnabled, requestLogLine } from '$lib/server/platform/observability/log';
import { recordRequest } from '$lib/server/platform/observability/metrics';
import { reportError, startErrorReporting } from '$lib/server/platform/observability/sentry';
import { REQUEST_ID_HEADER } from '$lib/server/platform/observability/request-id';

export const init: ServerInit = async () => {
	await startErrorReporting((await ensureRuntime()).config);
};

/**
 * Endpoints that serve no person, so never read (or refresh) the session: the health probe, the
 * host lookup the `reroute` hook fetches on the same request — refreshing there would spend the
 * single-use refresh token the request itself is about to use —, and signed file URLs (the
 * signature is the permission; a page's images load them side by side), and /metrics (its bearer
 * token is the permission).
 */
const ANONYMOUS = /^\/(api\/(health|hosts|bench-floor)|files|metrics)(\/|$)/;

/**
 * The signed-in person's claims for the request — the member's, while a staff member views as
 * them (governance/view-as.ts). The token is checked here (signature, expiry);
 * whether its session still exists is checked by the database at the start of every transaction
 * the request runs (rls.ts), and a refusal there signs the request out (auth/ended-session.ts).
 */
const authenticate: Handle = async ({ event, resolve }) => {
	const auth = await getAuth();
	event.locals.claims = ANONYMOUS.test(event.url.pathname) ? null : await readSession(auth, event);
	event.locals.viewAs = null;
	const { locals, request } = event;
	return withRequestCookies({ auth, event, locals, method: request.method }, async () => {
		// Inside the request's cookie scope: an ended staff session signs the request out.
		const viewing = locals.claims ? await resolveViewAs(event, locals.claims) : null;
		if (viewing) [locals.claims, locals.viewAs] = [viewing.claims, viewing.viewAs];
		return resolve(event);
	});
};

/**
 * The person's theme, time zone, date format and language (`locals.preferences`; the root layout
 * hands them to every page), and the server render's <html lang class> from them, so no page
 * flashes the wrong theme. Endpoints under /api/ render no page and never read the row.
 */
const applyPreferences: Handle = async ({ event, resolve }) => {
	const signedIn = event.url.pathname.startsWith('/api/') ? { claims: null } : event.locals;
	const preferences = await requestPreferences({ ...event, locals: signedIn });
	event.locals.preferences = preferences;
	return resolve(event, {
		transformPageChunk: ({ html }) =>
			html
				.replace('%tenantry.lang%', preferences.locale)
				.replace('%tenantry.theme%', themeClass(preferences.theme))
	});
};

/**
 * Requests that can change something (every method but GET, HEAD and OPTIONS) must come from the
 * page's own origin when a browser says where they come from, whatever their content type, in
 * production and in `npm run dev`. A form submission (the content types an HTML form can send)
 * that names no origin is refused too, as SvelteKit's own check did (svelte.config.js turns that
 * one off) — except under /api/v1, whose callers are REST clients uploading files: a cookie there
 * also needs the Tenantry-Tenant header, which no cross-site form can send. The SAML ACS takes the
 * identity provider's cross-site post (decision 0012).
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORM_TYPES = new Set([
	'application/x-www-form-urlencoded',
	'multipart/form-data',
	'text/plain'
]);

/**
 * The SAML ACS is posted by the identity provider's page, from its origin (docs/sso.md): the
 * signed assertion and the InResponseTo of a request we sent are its protection, not the origin.
 */
const IDP_POSTED = /^\/auth\/sso\/[0-9a-f-]{36}\/acs$/;

function isForm(request: Request): boolean {
	const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
	return type !== undefined && FORM_TYPES.has(type);
}

const refuseCrossOrigin: Handle = async ({ event, resolve }) => {
	if (IDP_POSTED.test(event.url.pathname)) return resolve(event);
	const origin = event.request.headers.get('origin');
	const form = isForm(event.request);
	const unnamed = origin === null && form && !event.url.pathname.startsWith('/api/v1/');
	if (
		!SAFE_METHODS.has(event.request.method) &&
		(unnamed || (origin !== null && origin !== event.url.origin))
	) {
		const what = form ? 'form submissions' : 'requests';
		return new Response(`Cross-site ${event.request.method} ${what} are forbidden`, {
			status: 403,
			headers: { 'content-type': 'text/plain; charset=utf-8' }
		});
	}
	return resolve(event);
};

/**
 * An unexpected error is logged here (and reported to Sentry when SENTRY_DSN is set:
 * observability/sentry.ts) and shown as the error page's generic sentence: no paths, no stack.
 */
export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) {
		const requestId = currentRequestContext()?.requestId;
		console.error(
			`[tenantry] ${event.request.method} ${event.url.pathname} (request ${requestId ?? '-'}):`,
			error
		);
		reportError(error, { method: event.request.method, route: event.route.id, requestId });
	}
	return { message: status === 404 ? NOT_FOUND : 'Something went wrong on our side.' };
};

let proxies: ReturnType<typeof trustedProxies> | undefined;

/**
 * Every transaction the request opens records its client address, user agent and request id
 * (rls.ts); the response carries the id in `x-request-id`; and when it is done the request is
 * counted for /metrics and written as one JSON log line (observability/log.ts: no headers, cookies
 * or bodies). First in the sequence, so every response is counted, refusals too.
 */
const requestContext: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	proxies ??= trustedProxies((await ensureRuntime()).config.TRUSTED_PROXIES);
	const context = describeRequest(event, proxies);
	let status = 500;
	try {
		const response = await inRequest(context, () => resolve(event));
		status = response.status;
		response.headers.set(REQUEST_ID_HEADER, context.requestId!);
		return response;
	} finally {
		const durationMs = performance.now() - started;
		const { method } = event.request;
		recordRequest(method, event.route.id, status, durationMs / 1000);
		if (LOG_REQUESTS) {
			const line = { method, route: event.route.id, status, durationMs };
			console.log(
				requestLogLine({ ...line, requestId: context.requestId!, tenantId: context.tenantId })
			);
		}
	}
};

const LOG_REQUESTS = requestLogEnabled();

/**
 * A page's forms may be redirected to the payment gateway's hosted pages (checkout, the customer
 * portal), and a page may name other origins its own forms go to (`locals.formActionOrigins`):
 * both join the CSP's form-action, which browsers check on every redirect a submission follows.
 */
const securityHeaders: Handle = async ({ event, resolve }) => {
	event.locals.formActionOrigins = [];
	event.locals.frameAncestors = null;
	const response = await resolve(event);
	// Set by the page while resolving (the shared dashboard's origins), so read it back now.
	const { frameAncestors } = event.locals as { frameAncestors: string[] | null };
	let policy = response.headers.get('content-security-policy');
	// A shared dashboard may be framed by the origins its tenant listed (docs/bi.md#sharing).
	if (policy && frameAncestors) {
		policy = withFrameAncestors(policy, frameAncestors);
		response.headers.set('content-security-policy', policy);
	}
	// The API reference sets its own policy, with no forms that leave the site.
	if (policy && !event.route.id?.startsWith('/docs/api')) {
		const gateway = await getStripe();
		const origins = [...(gateway?.hostedOrigins ?? []), ...event.locals.formActionOrigins];
		response.headers.set('content-security-policy', withFormActionSources(policy, origins));
	}
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'strict-origin-when-cross-origin');
	if (!frameAncestors?.length) response.headers.set('x-frame-options', 'DENY');
	response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
	response.headers.set('cross-origin-opener-policy', 'same-origin');
	return response;
};

export const handle = sequence(
	requestContext,
	securityHeaders,
	refuseCrossOrigin,
	authenticate,
	applyPreferences
);
