/**
 * HTTP JSON sources: a GET of the configured URL — the query's typed parameters as query-string
 * values (URLSearchParams: never in the path), the credential in the configured header — from the
 * address the SSRF guard checked, with a timeout over the whole answer, at most 3 redirects (each
 * checked again, so a redirect to a refused address is refused) and a body cap (MAX_BODY_BYTES,
 * reading stops there). The records are the array at the query's records path (`$.data.items`);
 * the columns are the keys of the records, in the order first seen.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkedUrl } from './guard';
import {
	SourceError,
	type BoundParameter,
	type Connection,
	type Driver,
	type HttpJsonConfig,
	type RunLimits,
	type SourceResult
} from './types';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]{0,62}|\[[0-9]{1,6}\]){0,10}$/;

/** The steps of a records path ($, .name, [index]); null when it is not one. */
export function parseRecordsPath(path: string): (string | number)[] | null {
	const text = path.trim();
	if (!PATH.test(text)) return null;
	return [...text.slice(1).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]/g)].map((m) =>
		m[1] !== undefined ? m[1] : Number(m[2])
	);
}

function at(body: unknown, steps: (string | number)[]): unknown {
	let here = body;
	for (const step of steps) {
		if (here === null || typeof here !== 'object') return undefined;
		here = (here as Record<string | number, unknown>)[step];
	}
	return here;
}

function get(
	url: URL,
	address: string,
	headers: Record<string, string>,
	signal: AbortSignal
): Promise<IncomingMessage> {
	const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
	return new Promise((resolve, reject) => {
		const req = send(
			url,
			{
				method: 'GET',
				headers: { accept: 'application/json', 'user-agent': 'Tenantry-DataSource/1', ...headers },
				signal,
				lookup: (_host, _opts, cb) => cb(null, address, isIP(address) || 4)
			},
			resolve
		);
		req.on('error', reject);
		req.end();
	});
}

async function fetchJson(
	connection: Connection<HttpJsonConfig>,
	params: BoundParameter[],
	limits: RunLimits
): Promise<unknown> {
	const { config } = connection;
	const first = new URL(config.url);
	for (const p of params) {
		if (p.value !== null) first.searchParams.set(p.name, String(p.value));
	}
	const headers: Record<string, string> = {};
	if (config.auth_header && connection.secret) headers[config.auth_header] = connection.secret;
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
	try {
		let current = first;
		for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
			const checked = await checkedUrl(current.toString(), connection);
			const res = await get(checked.url, checked.address, headers, controller.signal);
			const status = res.statusCode ?? 0;
			if (status >= 300 && status < 400 && res.headers.location) {
				res.resume();
				const next = new URL(res.headers.location, current);
				// The credential goes to the configured origin only.
				if (next.origin !== first.origin) delete headers[config.auth_header ?? ''];
				current = next;
				continue;
			}
			if (status < 200 || status >= 300) {
				res.resume();
				throw new SourceError('TN547', `${first.host} answered ${status}.`);
			}
			const chunks: Buffer[] = [];
			let size = 0;
			for await (const chunk of res as AsyncIterable<Buffer>) {
				size += chunk.length;
				if (size > MAX_BODY_BYTES) {
					res.destroy();
					throw new SourceError(
						'TN549',
						`The answer is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB: reading stopped there.`
					);
				}
				chunks.push(chunk);
			}
			try {
				return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
			} catch {
				throw new SourceError('TN549', `${first.host} did not answer JSON.`);
			}
		}
		throw new SourceError('TN547', `${first.host} redirects more than ${MAX_REDIRECTS} times.`);
	} catch (error) {
		if (error instanceof SourceError) throw error;
		if (controller.signal.aborted)
			throw new SourceError('TN548', `${first.host} did not answer within ${limits.timeoutMs} ms.`);
		throw new SourceError(
			'TN547',
			`Could not fetch ${first.host}: ${(error as Error).message ?? String(error)}.`
		);
	} finally {
		clearTimeout(timer);
	}
}

/** The records at `path` of `body` as rows, their columns inferred; TN549 when they are not records. */
export function recordsOf(
	body: unknown,
	path: string,
	rowLimit: number
): Omit<SourceResult, 'elapsedMs'> {
	const steps = parseRecordsPath(path);
	if (!steps) throw new SourceError('TN549', 'A records path is like $.data.items.');
	const found = at(body, steps);
	if (!Array.isArray(found))
		throw new SourceError('TN549', `There is no array of records at ${path.trim()}.`);
	const columns: string[] = [];
	const rows = found.slice(0, rowLimit).map((item) => {
		const row: Record<string, unknown> =
			item !== null && typeof item === 'object' && !Array.isArray(item)
				? (item as Record<string, unknown>)
				: { value: item };
		for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
		return row;
	});
	return { columns, rows, truncated: found.length > rowLimit };
}

export const httpJsonDriver: Driver<HttpJsonConfig> = {
	kind: 'http_json',

	async test(connection, limits) {
		const body = await fetchJson(connection, [], limits);
		const path = connection.config.records_path ?? '$';
		const { rows, columns } = recordsOf(body, path, limits.rowLimit);
		return `Fetched ${rows.length} record${rows.length === 1 ? '' : 's'} at ${path} (${columns.length} column${columns.length === 1 ? '' : 's'}).`;
	},

	async query(connection, text, params, limits) {
		const started = performance.now();
		const body = await fetchJson(connection, params, limits);
		const result = recordsOf(body, text || connection.config.records_path || '$', limits.rowLimit);
		return { ...result, elapsedMs: Math.round(performance.now() - started) };
	}
};
