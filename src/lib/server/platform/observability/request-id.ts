/**
 * The id of one web request: the `x-request-id` a trusted proxy (TRUSTED_PROXIES) put on it when it
 * has a safe shape, or a new UUID. It is returned in the response's `x-request-id`, written on the
 * request's log line, set in every transaction the request opens (`tenantry.request_id` and
 * `application_name`, so pg_stat_activity and a slow-query log name it) and sent on to the edge
 * functions the request calls. A client's own header is ignored unless a trusted proxy is its peer:
 * otherwise anyone could make their requests look like someone else's in the logs.
 */
import { randomUUID } from 'node:crypto';

/** Letters, digits and `._:-`, 8 to 128 of them: a UUID, a ULID, a proxy's trace id. */
const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

export function isSafeRequestId(value: string): boolean {
	return SAFE_ID.test(value);
}

/** The request's id: the trusted proxy's when it sent a safe one, else a new UUID. */
export function requestIdFor(header: string | null, fromTrustedProxy: boolean): string {
	if (fromTrustedProxy && header !== null && isSafeRequestId(header.trim())) return header.trim();
	return randomUUID();
}

/**
 * The `application_name` a request's transaction runs under: `tenantry <id>` (Postgres keeps 63
 * bytes of it; a safe id is printable ASCII, so nothing is mangled, only a very long id cut).
 */
export function applicationName(requestId: string): string {
	return `tenantry ${requestId}`.slice(0, 63);
}
