/**
 * Errors as `application/problem+json` (RFC 9457). Every refusal carries a stable TN code and the
 * catalogue's sentence for it (platform/errors.ts) as its `title`; the API's own codes (TN220–TN239)
 * come with their status, a database refusal is given the status its code means.
 */
import { z } from 'zod';
import {
	API_ERROR_MESSAGES,
	DB_ERROR_MESSAGES,
	describeDbError,
	type ApiErrorCode
} from '../platform/errors';

export const PROBLEM_TYPE = 'application/problem+json';

export const fieldErrorSchema = z
	.object({
		field: z.string().meta({ description: 'Where: `body.name`, `query.limit`, `path.project`.' }),
		message: z.string()
	})
	.meta({ id: 'FieldError' });

export const problemSchema = z
	.object({
		type: z.string().meta({ description: 'urn:tenantry:problem:<code>' }),
		title: z.string().meta({ description: 'The catalogue sentence of the code.' }),
		status: z.int(),
		code: z.string().regex(/^(TN\d{3}|[0-9A-Z]{5})$/),
		detail: z.string().optional(),
		instance: z.string().optional(),
		errors: z.array(fieldErrorSchema).optional()
	})
	.meta({ id: 'Problem', description: 'An RFC 9457 problem with the Tenantry error code.' });

export type Problem = z.infer<typeof problemSchema>;
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** A refusal the API layer raises; `headers` go on the response (Retry-After …). */
export class ApiProblem extends Error {
	constructor(
		readonly code: ApiErrorCode,
		readonly detail?: string,
		readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {}
	) {
		super(API_ERROR_MESSAGES[code].message);
	}

	get status(): number {
		return API_ERROR_MESSAGES[this.code].status;
	}
}

/** The HTTP status of a database refusal, by its code. */
const DB_STATUS: Record<string, number> = {
	TN001: 401,
	TN006: 401,
	TN200: 401,
	TN201: 401,
	TN202: 401,
	TN203: 401,
	TN212: 403,
	TN215: 429,
	TN002: 403,
	TN004: 403,
	TN005: 403,
	TN030: 403,
	TN033: 403,
	TN034: 403,
	TN061: 403,
	TN594: 403,
	TN620: 403,
	TN622: 403,
	'42501': 403,
	TN003: 404,
	TN011: 409,
	TN026: 409,
	TN070: 409,
	TN071: 409,
	TN074: 409,
	TN080: 409,
	TN081: 409,
	TN082: 409,
	TN084: 409,
	TN150: 409,
	TN260: 404,
	TN266: 409,
	TN269: 409,
	TN270: 404,
	TN271: 409,
	TN272: 409,
	TN310: 404,
	TN315: 409,
	TN319: 409,
	TN321: 404,
	TN330: 404,
	TN336: 409,
	TN337: 404,
	TN338: 409,
	TN339: 409,
	TN342: 409,
	TN360: 404,
	TN364: 403,
	TN365: 404,
	TN366: 409,
	TN367: 404,
	TN374: 409,
	TN550: 422,
	TN551: 409,
	TN552: 409,
	TN553: 409,
	TN554: 403,
	TN563: 403,
	TN466: 403,
	TN467: 404,
	TN584: 403,
	TN585: 403,
	TN577: 409,
	TN612: 409,
	'23505': 409,
	'23503': 409
};

function problem(
	code: string,
	status: number,
	title: string,
	rest: Partial<Problem> = {}
): Problem {
	return { type: `urn:tenantry:problem:${code}`, title, status, code, ...rest };
}

/**
 * The problem for anything a handler threw: the API's own refusals, zod's (TN220, one entry per
 * issue), the database's known codes; anything else is TN232 and is logged by the caller.
 */
export function toProblem(error: unknown, instance?: string): Problem | null {
	if (error instanceof ApiProblem) {
		return problem(error.code, error.status, error.message, {
			...(error.detail ? { detail: error.detail } : {}),
			...(error.extra.errors ? { errors: error.extra.errors } : {}),
			instance
		});
	}
	const known = describeDbError(error);
	const code = (error as { code?: string }).code;
	if (known && code) {
		const detail = known.field ? `field: ${known.field}` : undefined;
		return problem(code, DB_STATUS[code] ?? 422, known.message, {
			...(detail ? { detail } : {}),
			...(known.field
				? { errors: [{ field: `body.${known.field}`, message: known.message }] }
				: {}),
			instance
		});
	}
	return null;
}

/** zod's issues of `where` (body, query, path) as one TN220 problem. */
export function invalid(
	where: 'body' | 'query' | 'path' | 'header',
	error: z.ZodError
): ApiProblem {
	const errors = error.issues.map((issue) => ({
		field: [where, ...issue.path.map(String)].join('.'),
		message: issue.message
	}));
	return new ApiProblem('TN220', errors.map((e) => `${e.field}: ${e.message}`).join(' '), {
		errors
	});
}

export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status: body.status,
		headers: { 'content-type': PROBLEM_TYPE, 'cache-control': 'no-store', ...headers }
	});
}

/** The catalogue's sentence for a code (the API's own or the database's). */
export function titleOf(code: string): string {
	return (
		(API_ERROR_MESSAGES as Record<string, { message: string }>)[code]?.message ??
		DB_ERROR_MESSAGES[code]?.message ??
		code
	);
}
