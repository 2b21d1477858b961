/**
 * The headers a call to an edge function carries so its logs name the web request that caused it:
 * `x-request-id` while a request is being served (rls.ts keeps it), nothing otherwise.
 */
import { currentRequestContext } from '../rls';
import { REQUEST_ID_HEADER } from './request-id';

export function requestIdHeaders(): Record<string, string> {
	const id = currentRequestContext()?.requestId;
	return id ? { [REQUEST_ID_HEADER]: id } : {};
}
