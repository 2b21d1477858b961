/**
 * One JSON line per web request on stdout, for a log shipper: when it ended, method, route id (the
 * route's pattern, never the path with its ids and query), status, duration, the request id, and
 * the tenant when the request named one. Never headers, cookies, tokens, query strings or bodies:
 * the line is built from these fields only.
 */
export interface RequestLogFields {
	method: string;
	/** SvelteKit's route id (`/(app)/t/[tenant]/tasks`), null when no route matched. */
	route: string | null;
	status: number;
	durationMs: number;
	requestId: string;
	tenantId?: string | null;
}

export function requestLogLine(fields: RequestLogFields, at: Date = new Date()): string {
	return JSON.stringify({
		time: at.toISOString(),
		level: fields.status >= 500 ? 'error' : 'info',
		msg: 'request',
		method: fields.method,
		route: fields.route,
		status: fields.status,
		duration_ms: Math.round(fields.durationMs * 10) / 10,
		request_id: fields.requestId,
		...(fields.tenantId ? { tenant_id: fields.tenantId } : {})
	});
}

/** REQUEST_LOG=off silences the lines (the tests' servers); anything else prints them. */
export function requestLogEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
	return env.REQUEST_LOG !== 'off';
}
