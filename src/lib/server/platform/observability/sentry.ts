/**
 * Error reporting to Sentry (docs/operations.md#error-reporting), only when SENTRY_DSN is set: the
 * SDK (`@sentry/sveltekit`) is loaded then and never otherwise, so an unset DSN costs nothing and
 * sends nothing. hooks.server.ts reports each unexpected error (handleError: the 5xx the person
 * sees as "Something went wrong") with the request's id and route as tags, so an event in Sentry
 * leads to the request's log line and its SQL (application_name). Before anything leaves, the
 * event is scrubbed: no cookies, no authorization or other credential headers, no request body,
 * no query string, no client address.
 */
import type { ErrorEvent } from '@sentry/sveltekit';

type Sentry = typeof import('@sentry/sveltekit');

let sentry: Sentry | null = null;

/** Headers that carry a credential or a person's session, whatever their case. */
const SECRET_HEADERS =
	/^(cookie|set-cookie|authorization|proxy-authorization|x-api-key|x-csrf-token|x-forwarded-for|x-real-ip|tenantry-.*)$/i;

/** The event as it may leave: request cookies, credential headers, body, query and addresses removed. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
	const { request } = event;
	if (request) {
		delete request.cookies;
		delete request.data;
		delete request.query_string;
		delete request.env;
		if (request.url) request.url = request.url.split('?', 1)[0];
		if (request.headers) {
			request.headers = Object.fromEntries(
				Object.entries(request.headers).filter(([name]) => !SECRET_HEADERS.test(name))
			);
		}
	}
	if (event.user) event.user = event.user.id === undefined ? {} : { id: event.user.id };
	delete event.server_name;
	for (const crumb of event.breadcrumbs ?? []) {
		if (crumb.data && typeof crumb.data.url === 'string')
			crumb.data.url = crumb.data.url.split('?', 1)[0];
	}
	return event;
}

/** Loads and starts the SDK when a DSN is configured; a no-op otherwise. */
export async function startErrorReporting(config: {
	SENTRY_DSN?: string;
	SENTRY_ENVIRONMENT: string;
}): Promise<void> {
	if (!config.SENTRY_DSN || sentry) return;
	const sdk = await import('@sentry/sveltekit');
	sdk.init({
		dsn: config.SENTRY_DSN,
		environment: config.SENTRY_ENVIRONMENT,
		sendDefaultPii: false,
		tracesSampleRate: 0,
		beforeSend: scrubEvent
	});
	sentry = sdk;
}

/** Reports an unexpected error of a request (nothing when Sentry is off). */
export function reportError(
	error: unknown,
	request: { method: string; route: string | null; requestId: string | undefined }
): void {
	if (!sentry) return;
	const sdk = sentry;
	sdk.withScope((scope) => {
		scope.setTag('request_id', request.requestId ?? 'none');
		scope.setTag('route', request.route ?? 'unmatched');
		scope.setTag('method', request.method);
		sdk.captureException(error);
	});
}
