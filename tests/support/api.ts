/**
 * The REST API as the tests reach it: the typed client generated from the OpenAPI document
 * (src/lib/api-client), over a fetch that checks EVERY response against the document — the
 * operation must exist, the status must be documented (or fall under `default`), the media type
 * must be one the operation answers with, each documented response header must be there, and a
 * JSON body must match its schema (ajv, JSON Schema 2020-12, over the document's components).
 * A response that does not match throws, so the test that received it fails.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createApiClient, type ApiClient } from '../../src/lib/api-client';
import { buildOpenApi } from '../../src/lib/server/api/openapi';

type Doc = ReturnType<typeof buildOpenApi>;
interface MediaObject {
	schema?: object;
}
interface ResponseObject {
	headers?: Record<string, unknown>;
	content?: Record<string, MediaObject>;
}
interface Operation {
	method: string;
	pattern: RegExp;
	template: string;
	responses: Record<string, ResponseObject>;
}

export class ResponseChecker {
	readonly doc: Doc = buildOpenApi();
	private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
	private readonly operations: Operation[] = [];
	private readonly validators = new Map<object, ValidateFunction>();
	/** How many responses were checked, by "METHOD /template status". */
	readonly seen = new Map<string, number>();

	constructor() {
		addFormats.default(this.ajv);
		this.ajv.addSchema({ $id: 'openapi', components: this.doc.components });
		for (const [template, item] of Object.entries(this.doc.paths ?? {})) {
			const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
			for (const [method, op] of Object.entries(item as Record<string, unknown>)) {
				const responses = (op as { responses?: Record<string, ResponseObject> }).responses;
				if (responses)
					this.operations.push({ method: method.toUpperCase(), pattern, template, responses });
			}
		}
	}

	get checked(): number {
		let total = 0;
		for (const n of this.seen.values()) total += n;
		return total;
	}

	private validator(schema: object): ValidateFunction {
		let validate = this.validators.get(schema);
		if (!validate) {
			const rooted = JSON.parse(
				JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')
			) as object;
			validate = this.ajv.compile(rooted);
			this.validators.set(schema, validate);
		}
		return validate;
	}

	async check(method: string, url: string, response: Response): Promise<void> {
		const path = new URL(url).pathname;
		const op = this.operations.find((o) => o.method === method && o.pattern.test(path));
		const where = `${method} ${path} → ${response.status}`;
		if (!op) throw new Error(`${where}: no such operation in the OpenAPI document`);
		const documented = op.responses[String(response.status)] ?? op.responses.default;
		if (!documented) throw new Error(`${where}: status not documented`);
		for (const name of Object.keys(documented.headers ?? {})) {
			if (!response.headers.has(name))
				throw new Error(`${where}: documented header ${name} missing`);
		}
		const body = await response.text();
		if (!documented.content) {
			if (body !== '') throw new Error(`${where}: a body where none is documented`);
		} else {
			const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
			const media = documented.content[type];
			if (!media) throw new Error(`${where}: content-type ${type} not documented`);
			if (/^application\/([\w.-]+\+)?json$/.test(type) && media.schema) {
				const validate = this.validator(media.schema);
				if (!validate(JSON.parse(body))) {
					throw new Error(
						`${where}: body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${body}`
					);
				}
			}
		}
		const key = `${method} ${op.template} ${response.status}`;
		this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
	}

	/** fetch, with every response checked. */
	readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
		const request = new Request(input, init);
		const response = await fetch(request);
		await this.check(request.method, request.url, response.clone());
		return response;
	};

	client(baseUrl: string, headers: Record<string, string>): ApiClient {
		return createApiClient({ baseUrl, headers, fetch: this.fetch });
	}
}

/** The access token in a session's cookies (the embedded provider's, a Supabase-style JWT). */
export function accessToken(cookies: string): string {
	const token = /(?:^|; )tenantry_access=([^;]+)/.exec(cookies)?.[1];
	if (!token) throw new Error(`no tenantry_access cookie in ${cookies}`);
	return decodeURIComponent(token);
}
