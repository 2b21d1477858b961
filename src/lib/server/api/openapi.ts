/**
 * The OpenAPI 3.1 document of /api/v1, built by zod-openapi from the schemas the endpoints
 * validate with and answer in (v1/index.ts) — no hand-written copy. Served at
 * /api/v1/openapi.json; `npm run api:types` turns it into src/lib/api-client/v1.d.ts.
 */
import { z } from 'zod';
import {
	createDocument,
	type ZodOpenApiOperationObject,
	type ZodOpenApiPathsObject
} from 'zod-openapi';
import type { Endpoint } from './endpoint';
import { MAX_LIMIT } from './paging';
import { problemSchema, PROBLEM_TYPE } from './problem';
import { ENDPOINTS } from './v1';

const header = (description: string) => ({ schema: { type: 'string' as const }, description });

const RATE_HEADERS = {
	RateLimit: header('"<policy>";r=<requests left>;t=<seconds until the window resets>'),
	'RateLimit-Policy': header('"<policy>";q=<requests per window>;w=<window in seconds>')
};

const problem = (description: string, extra: Record<string, unknown> = {}) => ({
	description,
	headers: RATE_HEADERS,
	content: { [PROBLEM_TYPE]: { schema: problemSchema } },
	...extra
});

function operation(endpoint: Endpoint): ZodOpenApiOperationObject {
	const { spec } = endpoint;
	const headers: Record<string, z.ZodType> = {
		'Tenantry-Tenant': z.string().optional().meta({
			description:
				'The organisation’s address (slug). Required with a session or an access token; an API key knows its own.'
		})
	};
	if (spec.method === 'POST') {
		headers['Idempotency-Key'] = z.string().min(1).max(255).optional().meta({
			description: 'Makes the POST safe to retry: the first response is replayed for 24 hours.'
		});
	}
	if (spec.etag && spec.method === 'GET') {
		headers['If-None-Match'] = z
			.string()
			.optional()
			.meta({ description: 'An ETag: 304 when unchanged.' });
	}
	if (spec.etag && spec.method !== 'GET') {
		headers['If-Match'] = z
			.string()
			.optional()
			.meta({ description: 'An ETag: 412 when the resource changed.' });
	}
	const successHeaders = spec.etag
		? { ...RATE_HEADERS, ETag: header('The version of the resource.') }
		: RATE_HEADERS;
	const success = spec.response || spec.media ? (spec.status ?? 200) : 204;
	// JSON (the response) and other representations of it (media) side by side.
	const content =
		spec.response || spec.media
			? {
					...(spec.response ? { 'application/json': { schema: spec.response } } : {}),
					...Object.fromEntries(
						Object.entries(spec.media ?? {}).map(([type, description]) => [
							type,
							{ schema: z.string().meta({ description }) }
						])
					)
				}
			: undefined;
	return {
		operationId: spec.operationId,
		summary: spec.summary,
		...(spec.description ? { description: spec.description } : {}),
		tags: [spec.tag],
		requestParams: {
			header: z.object(headers),
			...(spec.params ? { path: spec.params } : {}),
			...(spec.query ? { query: spec.query } : {})
		},
		...(spec.body
			? {
					requestBody: {
						required: true,
						content: {
							[spec.upload ? 'multipart/form-data' : 'application/json']: { schema: spec.body }
						}
					}
				}
			: {}),
		responses: {
			[success]: {
				description: success === 204 ? 'Done.' : 'OK.',
				headers: successHeaders,
				...(content ? { content } : {})
			},
			...(spec.etag && spec.method === 'GET' ? { 304: { description: 'Not modified.' } } : {}),
			401: {
				description: 'Not authenticated (TN221), or a bad token or key (TN222).',
				content: { [PROBLEM_TYPE]: { schema: problemSchema } }
			},
			429: problem('Rate limited (TN228) or the plan’s API calls used (TN229).', {
				headers: { ...RATE_HEADERS, 'Retry-After': header('Seconds to wait.') }
			}),
			default: problem('A refusal: the TN code says which (docs/error-codes.md).')
		}
	};
}

export function buildOpenApi(endpoints: Endpoint[] = ENDPOINTS) {
	const paths: ZodOpenApiPathsObject = {};
	for (const endpoint of endpoints) {
		const path = `/api/v1${endpoint.spec.path}`;
		paths[path] = { ...paths[path], [endpoint.spec.method.toLowerCase()]: operation(endpoint) };
	}
	return createDocument({
		openapi: '3.1.0',
		info: {
			title: 'Tenantry REST API',
			version: '1.0.0',
			description:
				'Every request runs as one transaction under row-level security as its caller. Errors are ' +
				'application/problem+json (RFC 9457) with a TN code; lists are cursor-paged (`limit` ≤ ' +
				`${MAX_LIMIT}, \`next_cursor\`). See docs/api.md.`
		},
		servers: [{ url: '/' }],
		security: [{ apiKey: [] }, { session: [] }],
		components: {
			securitySchemes: {
				apiKey: {
					type: 'http',
					scheme: 'bearer',
					description: 'An API key (tnt_live_… / tnt_test_…) or a Supabase access token.'
				},
				session: { type: 'apiKey', in: 'cookie', name: 'tenantry_access' }
			}
		},
		paths
	});
}
