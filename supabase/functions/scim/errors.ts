/** SCIM errors (RFC 7644 §3.12): the Error schema, `status` as a string, `scimType` where one fits. */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export class ScimError extends Error {
	constructor(
		readonly status: number,
		readonly scimType: string | undefined,
		readonly detail: string,
	) {
		super(detail);
	}
}

export function scimJson(
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: {
			'content-type': 'application/scim+json; charset=utf-8',
			'cache-control': 'no-store',
			...headers,
		},
	});
}

export function errorResponse(error: ScimError): Response {
	const body: Record<string, unknown> = {
		schemas: [ERROR_SCHEMA],
		status: String(error.status),
		detail: error.detail,
	};
	if (error.scimType) body.scimType = error.scimType;
	return scimJson(
		error.status,
		body,
		error.status === 401 ? { 'www-authenticate': 'Bearer realm="scim"' } : {},
	);
}

/** What a database error of the SCIM RPCs means on the wire (TN460–TN469, docs/error-codes.md). */
export function fromDatabase(error: { code?: string; message?: string }): ScimError | undefined {
	const message = error.message ?? '';
	switch (error.code) {
		case 'TN460':
			return new ScimError(401, undefined, 'The bearer token is not valid for this tenant.');
		case 'TN461':
			return new ScimError(409, 'uniqueness', message);
		case 'TN462':
			return new ScimError(404, undefined, 'No such resource.');
		case 'TN463':
			return new ScimError(
				412,
				undefined,
				'The resource changed while it was being changed; retry.',
			);
		case 'TN464':
			return new ScimError(400, 'invalidValue', message);
		case 'TN585':
			return new ScimError(403, undefined, `SCIM is refused: ${message}.`);
		case '22P02':
		case '22023':
		case '2201B':
		case '42601':
			return new ScimError(400, 'invalidFilter', `The filter could not be evaluated: ${message}`);
		case '23514':
			return new ScimError(400, 'invalidValue', 'A value is out of range (too long?).');
		default:
			return undefined;
	}
}
