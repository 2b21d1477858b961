/**
 * A typed client of the REST API v1 (openapi-fetch over the generated types, v1.d.ts):
 * `createApiClient({ baseUrl, headers: { authorization: 'Bearer tnt_live_…' } })`, then
 * `client.GET('/api/v1/projects')` — paths, parameters, bodies and answers are all typed.
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './v1';

export type { components, paths } from './v1';

export type ApiClient = ReturnType<typeof createClient<paths>>;

export function createApiClient(options: ClientOptions): ApiClient {
	return createClient<paths>(options);
}
