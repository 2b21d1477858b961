/**
 * A stand-in for Slack's Web API on 127.0.0.1 (a free port), speaking its documented wire format
 * for the methods the integration calls: `auth.test`, `conversations.list` (cursor pagination:
 * `limit`, `cursor`, `response_metadata.next_cursor` empty on the last page), `conversations.info`
 * and `chat.postMessage` (JSON or form body). Every answer is HTTP 200 with `ok: true`, or
 * `ok: false` and Slack's error code (`invalid_auth`, `channel_not_found`, `not_in_channel`,
 * `no_text`); a rate-limited call is HTTP 429 with `Retry-After` in seconds. Tests set the token,
 * the workspace, the channels, and the failures to inject.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChannel {
	id: string;
	name: string;
	is_private?: boolean;
	is_archived?: boolean;
	/** Is the bot a member (it may post)? Default true. */
	is_member?: boolean;
}

export interface SlackFake {
	readonly url: string;
	token: string;
	team: { id: string; name: string; domain: string };
	channels: FakeChannel[];
	/** Answer the next N calls with 429 and this Retry-After. */
	rateLimit: { next: number; retryAfter: number };
	/** Answer the next N calls with HTTP 500. */
	failNext: number;
	readonly messages: { channel: string; text: string; ts: string }[];
	readonly requests: { method: string; authorization: string }[];
	close(): Promise<void>;
}

function ok(res: ServerResponse, body: Record<string, unknown>) {
	res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify({ ok: true, ...body }));
}

function refuse(res: ServerResponse, error: string) {
	res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify({ ok: false, error }));
}

async function params(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	const out: Record<string, string> = Object.fromEntries(url.searchParams);
	if (!text) return out;
	if (String(req.headers['content-type'] ?? '').startsWith('application/json')) {
		for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>))
			out[k] = String(v);
		return out;
	}
	return { ...out, ...Object.fromEntries(new URLSearchParams(text)) };
}

function channelJson(c: FakeChannel) {
	return {
		id: c.id,
		name: c.name,
		is_channel: !c.is_private,
		is_group: false,
		is_private: c.is_private ?? false,
		is_archived: c.is_archived ?? false,
		is_member: c.is_member ?? true,
		num_members: 3,
		created: 1700000000
	};
}

export async function startSlackFake(): Promise<SlackFake> {
	let seq = 0;
	const fake: Omit<SlackFake, 'url' | 'close'> = {
		token: 'xoxb-fake-token',
		team: { id: 'T0FAKE01', name: 'Acme Fake', domain: 'acme-fake' },
		channels: [],
		rateLimit: { next: 0, retryAfter: 1 },
		failNext: 0,
		messages: [],
		requests: []
	};
	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = url.pathname.replace(/^\/+/, '');
		fake.requests.push({ method, authorization: String(req.headers.authorization ?? '') });
		const p = await params(req, url);
		if (fake.rateLimit.next > 0) {
			fake.rateLimit.next--;
			res.writeHead(429, {
				'retry-after': String(fake.rateLimit.retryAfter),
				'content-type': 'application/json'
			});
			return res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
		}
		if (fake.failNext > 0) {
			fake.failNext--;
			res.writeHead(500, { 'content-type': 'text/plain' });
			return res.end('internal error');
		}
		const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? p.token;
		if (!token) return refuse(res, 'not_authed');
		if (token !== fake.token) return refuse(res, 'invalid_auth');
		switch (method) {
			case 'auth.test':
				return ok(res, {
					url: `https://${fake.team.domain}.slack.com/`,
					team: fake.team.name,
					user: 'tenantry',
					team_id: fake.team.id,
					user_id: 'U0BOT0001',
					bot_id: 'B0BOT0001',
					is_enterprise_install: false
				});
			case 'conversations.list': {
				const types = (p.types ?? 'public_channel').split(',');
				const visible = fake.channels.filter(
					(c) =>
						(c.is_private ? types.includes('private_channel') : types.includes('public_channel')) &&
						!(p.exclude_archived === 'true' && c.is_archived)
				);
				const limit = Math.min(Math.max(Number(p.limit ?? 100) || 100, 1), 1000);
				const offset = p.cursor
					? Number(
							Buffer.from(p.cursor, 'base64')
								.toString()
								.replace(/^offset:/, '')
						)
					: 0;
				if (!Number.isInteger(offset) || offset < 0) return refuse(res, 'invalid_cursor');
				const next =
					offset + limit < visible.length
						? Buffer.from(`offset:${offset + limit}`).toString('base64')
						: '';
				return ok(res, {
					channels: visible.slice(offset, offset + limit).map(channelJson),
					response_metadata: { next_cursor: next }
				});
			}
			case 'conversations.info': {
				const channel = fake.channels.find((c) => c.id === p.channel);
				return channel
					? ok(res, { channel: channelJson(channel) })
					: refuse(res, 'channel_not_found');
			}
			case 'chat.postMessage': {
				const channel = fake.channels.find((c) => c.id === p.channel || `#${c.name}` === p.channel);
				if (!channel) return refuse(res, 'channel_not_found');
				if (channel.is_archived) return refuse(res, 'is_archived');
				if (channel.is_member === false) return refuse(res, 'not_in_channel');
				if (!p.text) return refuse(res, 'no_text');
				const ts = `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
				fake.messages.push({ channel: channel.id, text: p.text, ts });
				return ok(res, {
					channel: channel.id,
					ts,
					message: { type: 'message', text: p.text, ts, bot_id: 'B0BOT0001' }
				});
			}
			default:
				return refuse(res, 'unknown_method');
		}
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	return Object.assign(fake, {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			})
	}) as SlackFake;
}
