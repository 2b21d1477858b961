/**
 * scim: the SCIM 2.0 service provider (RFC 7643 / 7644) of every tenant, at
 * …/functions/v1/scim/<tenant id or slug>/v2/{ServiceProviderConfig, ResourceTypes, Schemas,
 * Users, Groups}. The bearer token is one of the tenant's SCIM tokens (Settings → SCIM); only its
 * sha256 leaves this function, with the tenant of the URL, to the public.scim_* RPCs, which decide
 * everything (docs/scim.md). This file parses the protocol: routes (resource names in any case,
 * Microsoft's /serviceConfiguration too), filters into SQL/JSON paths, PATCH, `attributes` /
 * `excludedAttributes`, and answers `application/scim+json` with SCIM errors.
 *
 * Environment: SUPABASE_DB_URL (as every function).
 */
import { z } from 'npm:zod@4.6.7';
import { asSystemJob, type TransactionSql } from '../_shared/db.ts';
import { errorResponse, fromDatabase, ScimError, scimJson } from './errors.ts';
import { parseFilter, toJsonPath } from './filter.ts';
import { applyPatch, patchRequest } from './patch.ts';
import {
	GROUP,
	MAX_RESULTS,
	normaliseResource,
	resolvePath,
	type ResourceKind,
	resourceTypes,
	schemaDocuments,
	serviceProviderConfig,
	USER,
} from './schema.ts';

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROUTE = /(?:^|\/)scim\/([^/]+)\/v2(?:\/(.*))?$/;

type Doc = Record<string, unknown>;

interface Context {
	tokenHash: string;
	tenant: string;
	base: string;
}

interface ListQuery {
	filter?: string;
	sortBy?: string;
	sortOrder?: string;
	startIndex?: number;
	count?: number;
	attributes?: string;
	excludedAttributes?: string;
}

async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function rpc<T>(fn: (trx: TransactionSql) => Promise<T>): Promise<T> {
	return asSystemJob('scim.provision', fn);
}

// --------------------------------------------------------------------------- projection

function names(list: string | undefined): string[] {
	return (list ?? '').split(',').map((s) => s.trim()).filter(Boolean)
		// `emails[type eq "work"]` in `attributes` (Microsoft's validator) asks for emails.
		.map((s) => s.replace(/\[.*$/, ''));
}

/** `attributes` / `excludedAttributes` (RFC 7644 §3.9); id and schemas are always returned. */
function project(kind: ResourceKind, doc: Doc, attributes?: string, excluded?: string): Doc {
	const wanted = names(attributes).map((n) => resolvePath(kind, n, 'invalidValue'));
	const unwanted = names(excluded).map((n) => resolvePath(kind, n, 'invalidValue'));
	if (!wanted.length && !unwanted.length) return doc;
	const keyOf = (r: { extension?: string; attribute: { name: string } }) =>
		r.extension ?? r.attribute.name;
	let out: Doc;
	if (wanted.length) {
		out = { schemas: doc.schemas, id: doc.id };
		for (const r of wanted) {
			const key = keyOf(r);
			if (doc[key] === undefined) continue;
			if (r.extension) {
				const ext = (out[key] ??= {}) as Doc;
				const value = (doc[key] as Doc)[r.attribute.name];
				if (value !== undefined) ext[r.attribute.name] = value;
			} else if (r.sub) {
				const v = doc[key];
				out[key] = Array.isArray(v)
					? v.map((item) => ({ [r.sub!.name]: (item as Doc)[r.sub!.name] }))
					: { ...(out[key] as Doc | undefined), [r.sub.name]: (v as Doc)[r.sub.name] };
			} else out[key] = doc[key];
		}
	} else out = { ...doc };
	for (const r of unwanted) {
		if (r.attribute.returned === 'always') continue;
		const key = keyOf(r);
		if (r.extension && out[key]) {
			const { [r.attribute.name]: _, ...rest } = out[key] as Doc;
			out[key] = rest;
		} else if (!r.extension) delete out[key];
	}
	return out;
}

function withLocation(kind: ResourceKind, ctx: Context, doc: Doc): Doc {
	return {
		...doc,
		meta: { ...(doc.meta as Doc), location: `${ctx.base}${kind.endpoint}/${doc.id}` },
	};
}

// --------------------------------------------------------------------------- operations

function integer(value: unknown, fallback: number): number {
	if (value === undefined || value === null || value === '') return fallback;
	const n = Number(value);
	if (!Number.isInteger(n)) throw new ScimError(400, 'invalidValue', `${value} is not an integer.`);
	return n;
}

async function list(kind: ResourceKind, ctx: Context, q: ListQuery): Promise<Response> {
	const filter = q.filter?.trim() ? toJsonPath(parseFilter(q.filter), kind) : null;
	let sort: string | null = null;
	if (q.sortBy) {
		const r = resolvePath(kind, q.sortBy, 'invalidValue');
		sort = '$' +
			[r.extension, r.attribute.name, r.sub?.name].filter(Boolean).map((k) =>
				'.' + JSON.stringify(k)
			)
				.join('');
	}
	const descending = q.sortOrder?.toLowerCase() === 'descending';
	const startIndex = Math.max(1, integer(q.startIndex, 1));
	const count = Math.min(MAX_RESULTS, Math.max(0, integer(q.count, 100)));
	const page = await rpc(async (trx) => {
		const [row] = await trx<{ page: { totalResults: number; Resources: Doc[] } }[]>`
			select public.scim_list(decode(${ctx.tokenHash}, 'hex'), ${ctx.tenant}, ${kind.name}, ${filter},
			                        ${sort}, ${descending}, ${startIndex}, ${count}) as page`;
		return row!.page;
	});
	const resources = page.Resources.map((d) =>
		project(kind, withLocation(kind, ctx, d), q.attributes, q.excludedAttributes)
	);
	return scimJson(200, {
		schemas: [LIST_RESPONSE],
		totalResults: page.totalResults,
		startIndex,
		itemsPerPage: resources.length,
		Resources: resources,
	});
}

async function getOne(kind: ResourceKind, ctx: Context, id: string): Promise<Doc> {
	if (!UUID.test(id)) throw new ScimError(404, undefined, 'No such resource.');
	return await rpc(async (trx) => {
		const [row] = await trx<{ doc: Doc }[]>`
			select public.scim_get(decode(${ctx.tokenHash}, 'hex'), ${ctx.tenant}, ${kind.name}, ${id}::uuid) as doc`;
		return row!.doc;
	});
}

async function put(
	kind: ResourceKind,
	ctx: Context,
	id: string | null,
	body: Doc,
	version?: number,
): Promise<Doc> {
	if (id !== null && !UUID.test(id)) throw new ScimError(404, undefined, 'No such resource.');
	return await rpc(async (trx) => {
		const [row] = await trx<{ doc: Doc }[]>`
			select public.scim_put(decode(${ctx.tokenHash}, 'hex'), ${ctx.tenant}, ${kind.name}, ${id}::uuid,
			                       ${trx.json(body as never)}, ${version ?? null}::integer) as doc`;
		return row!.doc;
	});
}

function versionOf(doc: Doc): number {
	return Number(/(\d+)/.exec(String((doc.meta as Doc | undefined)?.version ?? ''))?.[1]);
}

/** Read, apply, write with the version read; a concurrent write (TN463) makes it start again. */
async function patch(kind: ResourceKind, ctx: Context, id: string, body: unknown): Promise<Doc> {
	const parsed = patchRequest.safeParse(body);
	if (!parsed.success) {
		throw new ScimError(
			400,
			'invalidSyntax',
			`Not a PatchOp request: ${parsed.error.issues[0]?.message}.`,
		);
	}
	for (let attempt = 1;; attempt++) {
		const current = await getOne(kind, ctx, id);
		const next = applyPatch(kind, current, parsed.data.Operations);
		try {
			return await put(kind, ctx, id, next, versionOf(current));
		} catch (error) {
			if ((error as { code?: string }).code !== 'TN463' || attempt >= 5) throw error;
		}
	}
}

async function remove(kind: ResourceKind, ctx: Context, id: string): Promise<void> {
	if (!UUID.test(id)) throw new ScimError(404, undefined, 'No such resource.');
	await rpc(async (trx) => {
		await trx`select public.scim_delete(decode(${ctx.tokenHash}, 'hex'), ${ctx.tenant}, ${kind.name}, ${id}::uuid)`;
	});
}

const searchRequest = z.object({
	schemas: z.array(z.string()).refine((s) => s.includes(SEARCH_REQUEST), {
		message: `schemas must name ${SEARCH_REQUEST}`,
	}),
	filter: z.string().optional(),
	sortBy: z.string().optional(),
	sortOrder: z.string().optional(),
	startIndex: z.number().int().optional(),
	count: z.number().int().optional(),
	attributes: z.array(z.string()).optional(),
	excludedAttributes: z.array(z.string()).optional(),
});

async function readBody(req: Request): Promise<unknown> {
	const text = await req.text();
	if (text.length > 1_048_576) {
		throw new ScimError(413, 'tooMany', 'The request body is larger than 1 MiB.');
	}
	try {
		return JSON.parse(text);
	} catch {
		throw new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON.');
	}
}

function wantsRepresentation(req: Request, query: URLSearchParams): boolean {
	return /return=representation/i.test(req.headers.get('prefer') ?? '') ||
		query.has('attributes') ||
		query.has('excludedAttributes');
}

async function resource(
	kind: ResourceKind,
	ctx: Context,
	req: Request,
	id: string | undefined,
	query: URLSearchParams,
): Promise<Response> {
	const attributes = query.get('attributes') ?? undefined;
	const excluded = query.get('excludedAttributes') ?? undefined;
	const one = (status: number, doc: Doc, headers: Record<string, string> = {}) =>
		scimJson(status, project(kind, withLocation(kind, ctx, doc), attributes, excluded), headers);
	if (id === '.search') {
		if (req.method !== 'POST') throw new ScimError(405, undefined, 'Use POST for .search.');
		const parsed = searchRequest.safeParse(await readBody(req));
		if (!parsed.success) {
			throw new ScimError(
				400,
				'invalidSyntax',
				`Not a SearchRequest: ${parsed.error.issues[0]?.message}.`,
			);
		}
		const s = parsed.data;
		return await list(kind, ctx, {
			...s,
			attributes: s.attributes?.join(','),
			excludedAttributes: s.excludedAttributes?.join(','),
		});
	}
	switch (req.method) {
		case 'GET':
			if (!id) {
				return await list(kind, ctx, {
					filter: query.get('filter') ?? undefined,
					sortBy: query.get('sortBy') ?? undefined,
					sortOrder: query.get('sortOrder') ?? undefined,
					startIndex: query.get('startIndex') as never,
					count: query.get('count') as never,
					attributes,
					excludedAttributes: excluded,
				});
			}
			return one(200, await getOne(kind, ctx, id));
		case 'POST': {
			if (id) throw new ScimError(405, undefined, `POST to ${kind.endpoint}, not to one of them.`);
			const created = await put(kind, ctx, null, normaliseResource(kind, await readBody(req)));
			return one(201, created, { location: `${ctx.base}${kind.endpoint}/${created.id}` });
		}
		case 'PUT':
			if (!id) throw new ScimError(405, undefined, `PUT to ${kind.endpoint}/<id>.`);
			return one(200, await put(kind, ctx, id, normaliseResource(kind, await readBody(req))));
		case 'PATCH': {
			if (!id) throw new ScimError(405, undefined, `PATCH ${kind.endpoint}/<id>.`);
			const patched = await patch(kind, ctx, id, await readBody(req));
			return wantsRepresentation(req, query)
				? one(200, patched)
				: new Response(null, { status: 204 });
		}
		case 'DELETE':
			if (!id) throw new ScimError(405, undefined, `DELETE ${kind.endpoint}/<id>.`);
			await remove(kind, ctx, id);
			return new Response(null, { status: 204 });
		default:
			throw new ScimError(405, undefined, `${req.method} is not a SCIM method.`);
	}
}

function listOf(items: Doc[]): Doc {
	return {
		schemas: [LIST_RESPONSE],
		totalResults: items.length,
		startIndex: 1,
		itemsPerPage: items.length,
		Resources: items,
	};
}

function discovery(ctx: Context, segments: string[]): Response {
	const [name, id] = [segments[0]!.toLowerCase(), segments.slice(1).join('/')];
	const pick = (items: Doc[]) => {
		if (!id) return scimJson(200, listOf(items));
		const found = items.find((i) =>
			String(i.id).toLowerCase() === decodeURIComponent(id).toLowerCase()
		);
		if (!found) throw new ScimError(404, undefined, `No ${segments[0]} ${id}.`);
		return scimJson(200, found);
	};
	if (name === 'resourcetypes') return pick(resourceTypes(ctx.base));
	if (name === 'schemas') return pick(schemaDocuments(ctx.base));
	return scimJson(200, serviceProviderConfig(ctx.base));
}

/** The resource type of a request, for the log: ours (User, Group) or none. */
function logTarget(segments: string[]): { type: string | null; id: string | null } {
	const name = segments[0]?.toLowerCase();
	const type = name === 'users' ? 'User' : name === 'groups' ? 'Group' : null;
	const id = segments[1] && UUID.test(segments[1]) ? segments[1] : null;
	return { type, id };
}

async function record(
	ctx: Context,
	req: Request,
	path: string,
	segments: string[],
	response: Response,
	detail?: string,
) {
	if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return;
	const { type, id } = logTarget(segments);
	try {
		await rpc(async (trx) => {
			await trx`select public.scim_log(decode(${ctx.tokenHash}, 'hex'), ${ctx.tenant}, ${req.method}, ${path},
			                                 ${response.status}, ${type}, ${id}, ${detail ?? null})`;
		});
	} catch (error) {
		console.error(`scim: the operation log refused a row: ${(error as Error).message}`);
	}
}

export async function handler(req: Request): Promise<Response> {
	const url = new URL(req.url);
	const match = ROUTE.exec(url.pathname);
	if (!match) {
		return errorResponse(new ScimError(404, undefined, 'Use …/functions/v1/scim/<tenant>/v2/….'));
	}
	const tenant = decodeURIComponent(match[1]!);
	const segments = (match[2] ?? '').split('/').filter(Boolean);
	const base = `${url.origin}${
		url.pathname.slice(0, match.index + match[0].length - (match[2] ?? '').length)
	}`
		.replace(/\/$/, '');
	const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
	if (!bearer) {
		return errorResponse(
			new ScimError(401, undefined, 'Send a SCIM token as Authorization: Bearer <token>.'),
		);
	}
	const ctx: Context = { tokenHash: await sha256Hex(bearer), tenant, base };
	const path = url.pathname.slice(url.pathname.indexOf('/v2'));

	let response: Response;
	let detail: string | undefined;
	try {
		const name = segments[0]?.toLowerCase();
		if (name === 'users' || name === 'groups') {
			if (segments.length > 2) throw new ScimError(404, undefined, 'No such endpoint.');
			response = await resource(
				name === 'users' ? USER : GROUP,
				ctx,
				req,
				segments[1],
				url.searchParams,
			);
		} else if (
			name === 'serviceproviderconfig' || name === 'serviceconfiguration' ||
			name === 'resourcetypes' ||
			name === 'schemas'
		) {
			if (req.method !== 'GET') throw new ScimError(405, undefined, `${segments[0]} is read-only.`);
			// Answers only a valid token (as the resources do): the URL names a tenant.
			await rpc(async (trx) => {
				await trx`select public.scim_list(decode(${ctx.tokenHash}, 'hex'), ${tenant}, 'User', null, null, false, 1, 0)`;
			});
			response = discovery(ctx, segments);
		} else if (name === 'bulk') {
			throw new ScimError(
				501,
				undefined,
				'Bulk operations are not supported (see /ServiceProviderConfig).',
			);
		} else {
			throw new ScimError(404, undefined, `No such endpoint: ${segments[0] ?? '(none)'}.`);
		}
	} catch (error) {
		const scim = error instanceof ScimError
			? error
			: fromDatabase(error as { code?: string; message?: string });
		if (!scim) {
			console.error(`scim: ${req.method} ${path}: ${(error as Error).message}`);
			response = errorResponse(
				new ScimError(500, undefined, 'The request could not be completed.'),
			);
		} else {
			response = errorResponse(scim);
			detail = scim.detail;
		}
	}
	if (response.status !== 401) await record(ctx, req, path, segments, response, detail);
	return response;
}

if (import.meta.main) Deno.serve(handler);
