/**
 * What the web request being served (rls.ts keeps it) tells the outside: the headers a call to an
 * edge function carries so its logs name the request that caused it, and the tenant its log line
 * names once a page or an API call has found it.
 */
import { currentRequestContext } from '../rls';
import { REQUEST_ID_HEADER } from './request-id';

/** `x-request-id` while a request is being served, nothing otherwise. */
export function requestIdHeaders(): Record<string, string> {
	const id = currentRequestContext()?.requestId;
	return id ? { [REQUEST_ID_HEADER]: id } : {};
}

/** Records the tenant the current request serves (its log line names it); no-op outside one. */
export function noteRequestTenant(tenantId: string): void {
	const context = currentRequestContext();
	if (context) context.tenantId = tenantId;
}

/** The client address the request is served for (TRUSTED_PROXIES applied), null outside one. */
export function requestClientIp(): string | null {
	return currentRequestContext()?.clientIp ?? null;
}
