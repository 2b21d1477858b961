import { json } from '@sveltejs/kit';
import { buildOpenApi } from '$lib/server/api/openapi';
import type { RequestHandler } from './$types';

let document: ReturnType<typeof buildOpenApi> | undefined;

/** The OpenAPI 3.1 document, built once per process from the endpoints' zod schemas. */
export const GET: RequestHandler = () => {
	document ??= buildOpenApi();
	return json(document, { headers: { 'cache-control': 'public, max-age=300' } });
};
