/**
 * Error reporting (issue 17 §6, docs/operations.md#error-reporting) on the production server with
 * SENTRY_DSN pointing at a loopback receiver that speaks Sentry's envelope endpoint
 * (`POST /api/<project>/envelope/`): a request that fails unexpectedly produces one event with the
 * error and the request's id as a tag, and none of the request's cookies, authorization header or
 * body. The failure is real: the test renames the function the IP allowlist page's load calls
 * (public.plan_feature), and posts the page's form, so the failing render has a body.
 */
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubEvent } from '../../src/lib/server/platform/observability/sentry';
import { freePort, signInCookies, startApp, type App } from '../support/app';

interface Envelope {
	path: string;
	header: Record<string, unknown>;
	items: { type: string; payload: Record<string, unknown> }[];
	raw: string;
}

/** Sentry's envelope format: a header line, then an item header line and a payload line per item. */
function parseEnvelope(path: string, raw: string): Envelope {
	const lines = raw.split('\n').filter((line) => line !== '');
	const header = JSON.parse(lines.shift()!) as Record<string, unknown>;
	const items: Envelope['items'] = [];
	while (lines.length) {
		const itemHeader = JSON.parse(lines.shift()!) as { type: string };
		const payload = JSON.parse(lines.shift() ?? '{}') as Record<string, unknown>;
		items.push({ type: itemHeader.type, payload });
	}
	return { path, header, items, raw };
}

const SECRET_BODY = 'body-secret-4f1e';
const SECRET_TOKEN = 'auth-secret-9c2d';

describe('error reporting to Sentry', () => {
	let receiver: Server;
	let app: App;
	let db: pg.Client;
	const envelopes: Envelope[] = [];

	beforeAll(async () => {
		const port = await freePort();
		receiver = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				let body = Buffer.concat(chunks);
				if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
				envelopes.push(parseEnvelope(req.url ?? '', body.toString('utf8')));
				res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
			});
		});
		await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
		app = await startApp({
			SENTRY_DSN: `http://publickey@127.0.0.1:${port}/1`,
			REQUEST_LOG: 'off'
		});
		db = new pg.Client({ connectionString: app.databaseUrl });
		await db.connect();
	}, 300_000);

	afterAll(async () => {
		await db?.end();
		await app?.stop();
		await new Promise((resolve) => receiver?.close(resolve));
	});

	it('sends one event for a failing request: the error, the request id, no cookies, credentials or body', async () => {
		const cookies = await signInCookies(app, 'owner@acme.test', 'password123!');
		const sessionValue = cookies.split('; ')[0]!.split('=').slice(1).join('=');
		expect(sessionValue.length).toBeGreaterThan(10);
		await db.query('alter function public.plan_feature(uuid, text) rename to plan_feature_away');
		let response: Response;
		try {
			response = await fetch(`${app.url}/t/acme/settings/network?/save&search=${SECRET_BODY}`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					cookie: cookies,
					authorization: `Bearer ${SECRET_TOKEN}`,
					origin: app.url,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams({ networks: '198.51.100.0/24', note: SECRET_BODY }).toString()
			});
		} finally {
			await db.query('alter function public.plan_feature_away(uuid, text) rename to plan_feature');
		}
		expect(response.status).toBe(500);
		const requestId = response.headers.get('x-request-id');
		expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

		const deadline = Date.now() + 20_000;
		const events = () => envelopes.filter((e) => e.items.some((i) => i.type === 'event'));
		while (events().length === 0 && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
		await new Promise((r) => setTimeout(r, 1_000));
		expect(events(), app.output()).toHaveLength(1);

		const envelope = events()[0]!;
		expect(envelope.path.split('?', 1)[0]).toBe('/api/1/envelope/');
		const event = envelope.items.find((i) => i.type === 'event')!.payload as {
			exception?: { values?: { type?: string; value?: string }[] };
			tags?: Record<string, string>;
			request?: {
				cookies?: unknown;
				data?: unknown;
				headers?: Record<string, string>;
				url?: string;
			};
		};
		expect(event.exception?.values?.[0]?.value).toContain('plan_feature');
		expect(event.tags).toMatchObject({
			request_id: requestId,
			route: '/(app)/t/[slug]/settings/network',
			method: 'POST'
		});
		expect(event.request?.cookies).toBeUndefined();
		expect(event.request?.data).toBeUndefined();
		for (const name of Object.keys(event.request?.headers ?? {})) {
			expect(name.toLowerCase()).not.toMatch(/^(cookie|authorization)$/);
		}
		expect(envelope.raw).not.toContain(sessionValue);
		expect(envelope.raw).not.toContain(SECRET_TOKEN);
		expect(envelope.raw).not.toContain(SECRET_BODY);
	});

	it('scrubs what an SDK integration may have attached before it leaves', () => {
		const scrubbed = scrubEvent({
			type: undefined,
			user: { id: 'u1', ip_address: '203.0.113.9', email: 'a@b.test' },
			server_name: 'host-1',
			request: {
				url: 'https://app.test/t/acme?token=x',
				cookies: { sb: 'x' },
				data: 'password=x',
				query_string: 'token=x',
				headers: {
					Cookie: 'sb=x',
					Authorization: 'Bearer x',
					'User-Agent': 'test',
					'X-Forwarded-For': '1.2.3.4'
				}
			}
		});
		expect(scrubbed.request).toEqual({
			url: 'https://app.test/t/acme',
			headers: { 'User-Agent': 'test' }
		});
		expect(scrubbed.user).toEqual({ id: 'u1' });
		expect(scrubbed.server_name).toBeUndefined();
	});
});
