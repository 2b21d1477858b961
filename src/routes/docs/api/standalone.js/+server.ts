import { scalarBundle } from '$lib/server/api/reference';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () =>
	new Response(new Uint8Array(await scalarBundle()), {
		headers: {
			'content-type': 'text/javascript; charset=utf-8',
			'cache-control': 'public, max-age=86400'
		}
	});
