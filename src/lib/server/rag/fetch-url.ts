/**
 * A document from a URL: checked by the SSRF guard (supabase/functions/_shared/ssrf.ts) and
 * fetched from the address the guard checked (never a second resolution), with a timeout, at most
 * 5 redirects (each checked again) and a size cap. Loopback and plain http only with
 * WEBHOOK_ALLOW_LOOPBACK (the one switch for outbound requests to this machine, set by tests).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkDestination } from '../../../../supabase/functions/_shared/ssrf';
import { resolveHost } from '../webhooks/destination';
import { ExtractionError } from './extract';

export const MAX_URL_BYTES = 10 * 1024 * 1024;

export interface Fetched {
	bytes: Uint8Array;
	contentType: string;
	finalUrl: string;
}

export interface FetchOptions {
	allowLoopback: boolean;
	resolve?: (host: string) => Promise<string[]>;
	timeoutMs?: number;
	signal?: AbortSignal;
}

async function once(url: string, options: FetchOptions): Promise<IncomingMessage> {
	const checked = await checkDestination(url, {
		resolve: options.resolve ?? resolveHost,
		allowLoopback: options.allowLoopback,
		requireHttps: !options.allowLoopback
	});
	if (!checked.ok) throw new ExtractionError(`Not fetched: ${checked.reason}`);
	const address = checked.addresses[0];
	if (!address) throw new ExtractionError(`Not fetched: ${checked.url.hostname} has no address.`);
	const send = checked.url.protocol === 'https:' ? httpsRequest : httpRequest;
	return new Promise((resolve, reject) => {
		const req = send(
			checked.url,
			{
				method: 'GET',
				headers: {
					accept: 'text/html, text/markdown, text/plain, application/pdf',
					'user-agent': 'Tenantry-RAG/1'
				},
				timeout: options.timeoutMs ?? 15_000,
				signal: options.signal,
				lookup: (_host, _opts, cb) => cb(null, address, isIP(address) || 4)
			},
			resolve
		);
		req.on('timeout', () => req.destroy(new Error('no response in time')));
		req.on('error', reject);
		req.end();
	});
}

export async function fetchDocument(url: string, options: FetchOptions): Promise<Fetched> {
	let current = url;
	for (let hop = 0; hop <= 5; hop++) {
		const res = await once(current, options);
		const status = res.statusCode ?? 0;
		if (status >= 300 && status < 400 && res.headers.location) {
			res.resume();
			current = new URL(res.headers.location, current).toString();
			continue;
		}
		if (status < 200 || status >= 300) {
			res.resume();
			throw new ExtractionError(`The URL answered ${status}.`);
		}
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of res as AsyncIterable<Buffer>) {
			size += chunk.length;
			if (size > MAX_URL_BYTES) {
				res.destroy();
				throw new ExtractionError('The page is larger than 10 MB.');
			}
			chunks.push(chunk);
		}
		const [mime = ''] = String(res.headers['content-type'] ?? 'text/plain').split(';');
		const contentType = mime.trim().toLowerCase();
		if (!['text/html', 'text/plain', 'text/markdown', 'application/pdf'].includes(contentType)) {
			throw new ExtractionError(`The URL serves ${contentType}, not HTML, Markdown, text or PDF.`);
		}
		return { bytes: new Uint8Array(Buffer.concat(chunks)), contentType, finalUrl: current };
	}
	throw new ExtractionError('The URL redirects more than 5 times.');
}
