/** JSON responses with the headers every function sends. */
export function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
	});
}

/**
 * The `x-request-id` the app sent with the call (src/lib/server/platform/observability), when it
 * has the app's safe shape: the function's log lines and transactions name it.
 */
export function requestIdOf(req: Request): string | null {
	const id = req.headers.get('x-request-id')?.trim() ?? '';
	return /^[A-Za-z0-9._:-]{8,128}$/.test(id) ? id : null;
}
