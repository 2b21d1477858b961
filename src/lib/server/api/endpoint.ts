/**
 * One REST endpoint: its OpenAPI description and its handler, from the same zod schemas. Every
 * request goes the same way:
 *   authenticate (principal.ts) → rate limit (limits.ts, headers on every answer) → validate the
 *   path, query and JSON body (TN220, TN231) → ONE transaction as the principal under RLS, in which
 *   the tenant is found (RLS decides: another tenant is the same 404 as none), the call is counted
 *   for the api_calls meter (meter.ts), a POST with an Idempotency-Key is recorded or replayed
 *   (idempotency.ts) and the handler runs with the module's own queries → JSON, or a problem
 *   (problem.ts).
 * Reads marked `etag` answer an ETag (and 304 to a matching If-None-Match); writes marked `etag`
 * check If-Match against the resource as it is in the transaction, locked (`precondition`).
 */
import { createHash } from 'node:crypto';
import { json, type RequestEvent } from '@sveltejs/kit';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../platform/database';
import { noteRequestTenant } from '../platform/observability/context';
import { reportError } from '../platform/observability/sentry';
import { currentRequestContext } from '../platform/rls';
import { BodyTooLargeError, readFormDataCapped } from '../platform/web/body';
import { findTenantById, findTenantBySlug, type TenantDetail } from '../tenancy/tenants';
import { idempotent, IDEMPOTENCY_KEY, requestHash, type StoredResponse } from './idempotency';
import { enforce } from './limits';
import { apiMeter } from './meter';
import { authenticate, type Principal } from './principal';
import { ApiProblem, invalid, problemResponse, toProblem, type Problem } from './problem';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export const TENANT_HEADER = 'tenantry-tenant';

export type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface EndpointSpec<
	P extends AnyObject | undefined = undefined,
	Q extends AnyObject | undefined = undefined,
	B extends z.ZodType | undefined = undefined
> {
	method: Method;
	/** The OpenAPI path under /api/v1, with {params}. */
	path: string;
	operationId: string;
	summary: string;
	tag: string;
	description?: string;
	params?: P;
	query?: Q;
	body?: B;
	/** The success body; none: 204. */
	response?: z.ZodType;
	status?: 200 | 201;
	/** Reads: ETag and If-None-Match. Writes: If-Match checked through `precondition`. */
	etag?: boolean;
	/** Other representations of the success body (the audit export), by media type. */
	media?: Record<string, string>;
	/**
	 * The body is multipart/form-data of at most `maxBytes` (refused from its Content-Length, or
	 * as it streams past, before it is read: TN233); its parts, as an object, are `body`'s input.
	 */
	upload?: { maxBytes: number };
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Context<P, Q, B> {
	trx: Transaction<DB>;
	tenant: TenantDetail;
	principal: Principal;
	params: Out<P>;
	query: Out<Q>;
	body: Out<B>;
	/** Refuses (412, TN227) when If-Match names another version than `current`'s. */
	precondition(current: unknown): void;
}

export interface Endpoint {
	spec: EndpointSpec<AnyObject | undefined, AnyObject | undefined, z.ZodType | undefined>;
	handle(event: RequestEvent): Promise<Response>;
}

/** A strong ETag of a JSON body: the same representation, the same tag. */
export function etagOf(body: unknown): string {
	return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

function matches(header: string, etag: string): boolean {
	return header
		.split(',')
		.map((t) => t.trim().replace(/^W\//, ''))
		.some((t) => t === '*' || t === etag);
}

function parse<T extends z.ZodType | undefined>(
	schema: T,
	input: unknown,
	where: 'body' | 'query' | 'path'
): Out<T> {
	if (!schema) return undefined as Out<T>;
	const result = (schema as z.ZodType).safeParse(input);
	if (!result.success) throw invalid(where, result.error);
	return result.data as Out<T>;
}

async function readBody(request: Request): Promise<{ text: string; value: unknown }> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new ApiProblem('TN231');
	const text = await request.text();
	try {
		return { text, value: text === '' ? {} : JSON.parse(text) };
	} catch {
		throw new ApiProblem('TN220', 'body: The body is not valid JSON.', {
			errors: [{ field: 'body', message: 'The body is not valid JSON.' }]
		});
	}
}

/** A multipart body as an object of its parts, and a text naming them for the idempotency hash. */
async function readUpload(
	request: Request,
	maxBytes: number
): Promise<{ text: string; value: unknown }> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^multipart\/form-data\b/i.test(type)) throw new ApiProblem('TN234');
	let data: FormData;
	try {
		data = await readFormDataCapped(request, maxBytes);
	} catch (e) {
		if (e instanceof BodyTooLargeError) throw new ApiProblem('TN233', `At most ${maxBytes} bytes.`);
		throw new ApiProblem('TN220', 'body: The body is not valid multipart/form-data.', {
			errors: [{ field: 'body', message: 'The body is not valid multipart/form-data.' }]
		});
	}
	const value: Record<string, FormDataEntryValue> = {};
	const hash = createHash('sha256');
	for (const [name, part] of data) {
		value[name] = part;
		hash.update(`${name}\0`);
		hash.update(typeof part === 'string' ? part : new Uint8Array(await part.arrayBuffer()));
	}
	return { text: hash.digest('base64url'), value };
}

/** The tenant of the request (found under RLS), once SQL says its IP allowlist admits the client (TN620). */
async function tenantOf(
	trx: Transaction<DB>,
	principal: Principal,
	named: string | null
): Promise<TenantDetail> {
	const tenant = await findTenant(trx, principal, named);
	await sql`select public.assert_client_admitted(${tenant.id})`.execute(trx);
	return tenant;
}

async function findTenant(
	trx: Transaction<DB>,
	principal: Principal,
	named: string | null
): Promise<TenantDetail> {
	if (principal.keyTenantId !== null) {
		const tenant = await findTenantById(trx, principal.keyTenantId);
		if (!tenant || (named !== null && named !== tenant.slug && named !== tenant.id)) {
			throw new ApiProblem('TN224', 'An API key works in its own organisation only.');
		}
		return tenant;
	}
	if (!named) throw new ApiProblem('TN223');
	const tenant = await findTenantBySlug(trx, named);
	if (!tenant) throw new ApiProblem('TN224');
	return tenant;
}

function reply(response: StoredResponse, headers: Record<string, string>): Response {
	if (response.replayed) headers['idempotent-replayed'] = 'true';
	if (response.status === 204) return new Response(null, { status: 204, headers });
	if ((response.body as Problem | null)?.type?.startsWith('urn:tenantry:problem:')) {
		return problemResponse(response.body as Problem, headers);
	}
	return json(response.body, { status: response.status, headers });
}

export function endpoint<
	P extends AnyObject | undefined = undefined,
	Q extends AnyObject | undefined = undefined,
	B extends z.ZodType | undefined = undefined
>(spec: EndpointSpec<P, Q, B>, handler: (ctx: Context<P, Q, B>) => Promise<unknown>): Endpoint {
	const success = spec.response || spec.media ? (spec.status ?? 200) : 204;
	async function handle(event: RequestEvent): Promise<Response> {
		const headers: Record<string, string> = { 'cache-control': 'no-store' };
		try {
			const principal = await authenticate(event);
			Object.assign(headers, enforce(await principal.limit()));
			const params = parse(spec.params as P, event.params, 'path');
			const query = parse(spec.query as Q, queryOf(event.url.searchParams), 'query');
			const raw = spec.upload
				? await readUpload(event.request, spec.upload.maxBytes)
				: spec.body
					? await readBody(event.request)
					: undefined;
			const body = parse(spec.body as B, raw?.value, 'body');
			const key = spec.method === 'POST' ? event.request.headers.get('idempotency-key') : null;
			if (key !== null && !IDEMPOTENCY_KEY.test(key)) throw new ApiProblem('TN226');
			const ifMatch = event.request.headers.get('if-match');
			const result = await principal.run(async (trx) => {
				const tenant = await tenantOf(trx, principal, event.request.headers.get(TENANT_HEADER));
				apiMeter().count(tenant.id);
				noteRequestTenant(tenant.id);
				const ctx: Context<P, Q, B> = {
					trx,
					tenant,
					principal,
					params,
					query,
					body,
					precondition(current) {
						if (spec.etag && ifMatch !== null && !matches(ifMatch, etagOf(current))) {
							throw new ApiProblem('TN227');
						}
					}
				};
				const run = async (): Promise<StoredResponse | Response> => {
					const out = await handler(ctx);
					return out instanceof Response ? out : { status: success, body: out ?? null };
				};
				if (key === null) return run();
				const hash = requestHash([spec.method, event.url.pathname, tenant.id, raw?.text ?? '']);
				return idempotent(
					trx,
					{ key, tenantId: tenant.id, hash },
					run as () => Promise<StoredResponse>
				);
			});
			if (result instanceof Response) {
				for (const [name, value] of Object.entries(headers)) result.headers.set(name, value);
				return result;
			}
			if (spec.etag && result.status === 200) {
				const etag = etagOf(result.body);
				headers.etag = etag;
				const ifNoneMatch = event.request.headers.get('if-none-match');
				if (spec.method === 'GET' && ifNoneMatch !== null && matches(ifNoneMatch, etag)) {
					return new Response(null, { status: 304, headers });
				}
			}
			return reply(result, headers);
		} catch (error) {
			let problem = toProblem(error, event.url.pathname);
			if (!problem) {
				console.error(`[tenantry] ${event.request.method} ${event.url.pathname}:`, error);
				reportError(error, {
					method: event.request.method,
					route: event.route.id,
					requestId: currentRequestContext()?.requestId
				});
				problem = toProblem(new ApiProblem('TN232'), event.url.pathname)!;
			}
			const extra = error instanceof ApiProblem ? (error.extra.headers ?? {}) : {};
			return problemResponse(problem, { ...headers, ...extra });
		}
	}
	return { spec, handle } as Endpoint;
}

/** The query string as an object: a parameter given more than once is the array of its values. */
function queryOf(params: URLSearchParams): Record<string, string | string[]> {
	const query: Record<string, string | string[]> = {};
	for (const key of new Set(params.keys())) {
		const values = params.getAll(key);
		query[key] = values.length > 1 ? values : values[0]!;
	}
	return query;
}
