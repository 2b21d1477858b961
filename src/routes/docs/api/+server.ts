import { REFERENCE_CSP, REFERENCE_HTML } from '$lib/server/api/reference';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = () =>
	new Response(REFERENCE_HTML, {
		headers: {
			'content-type': 'text/html; charset=utf-8',
			'content-security-policy': REFERENCE_CSP
		}
	});
