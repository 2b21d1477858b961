/**
 * Reading an upload's body with a size cap. A declared Content-Length past the cap is refused
 * without reading a byte; a body that streams past it (chunked, or longer than it said) is refused
 * as soon as the cap is crossed, and nothing beyond the cap is buffered. The source is left unread
 * rather than cancelled, so the connection stays open for the answer (413) — cancelling it would
 * destroy the socket under the response. Callers check the session and the permission first.
 */
export class BodyTooLargeError extends Error {
	constructor(readonly limit: number) {
		super(`the request body is larger than ${limit} bytes`);
	}
}

/** The body as a stream that errors with BodyTooLargeError past `limit` bytes (null: no body). */
function cappedBody(
	request: Request,
	limit: number
): { stream: ReadableStream<Uint8Array> | null; over(): boolean } {
	const declared = Number(request.headers.get('content-length') ?? Number.NaN);
	if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
	if (!request.body) return { stream: null, over: () => false };
	let seen = 0;
	let over = false;
	const stream = request.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				seen += chunk.byteLength;
				if (seen > limit) {
					over = true;
					controller.error(new BodyTooLargeError(limit));
				} else {
					controller.enqueue(chunk);
				}
			}
		}),
		{ preventCancel: true }
	);
	return { stream, over: () => over };
}

export async function readFormDataCapped(request: Request, limit: number): Promise<FormData> {
	const body = cappedBody(request, limit);
	if (!body.stream) return request.formData();
	try {
		return await new Response(body.stream, {
			headers: { 'content-type': request.headers.get('content-type') ?? '' }
		}).formData();
	} catch (e) {
		if (body.over()) throw new BodyTooLargeError(limit);
		throw e;
	}
}

/** The raw body as UTF-8 text, capped like readFormDataCapped (signatures are over these bytes). */
export async function readTextCapped(request: Request, limit: number): Promise<string> {
	const body = cappedBody(request, limit);
	if (!body.stream) return '';
	try {
		return await new Response(body.stream).text();
	} catch (e) {
		if (body.over()) throw new BodyTooLargeError(limit);
		throw e;
	}
}
