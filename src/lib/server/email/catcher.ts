/**
 * The embedded profile's mail catcher, as `supabase start`'s Inbucket: a real SMTP server
 * (smtp-server) that accepts every message for any address and keeps it in memory, and a web inbox
 * on a port of its own (never the app's origin): an HTML page that lists the messages with their
 * links, and a JSON API for tests.
 *
 *   GET    /                      the inbox (?to=address filters it)
 *   GET    /api/messages?to=…     messages, newest first (to: an envelope recipient, any case)
 *   GET    /api/messages/<id>     one message
 *   DELETE /api/messages          empties the inbox
 *
 * It listens on 127.0.0.1 by default and answers only Host headers naming a loopback address or
 * its configured host, so a web page elsewhere cannot read it through DNS rebinding.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMessage {
	id: string;
	/** The Message-ID header, as sent. */
	messageId: string | null;
	from: string;
	/** The envelope recipients (RCPT TO), lower-cased. */
	to: string[];
	subject: string;
	text: string;
	html: string | null;
	/** Every http(s) link in the text and the HTML, in order, without repeats. */
	links: string[];
	receivedAt: string;
}

export interface MailCatcherOptions {
	/** Address both servers listen on (127.0.0.1: only this machine). */
	host?: string;
	/** The web inbox's port; 0 takes a free one. */
	port: number;
	/** The SMTP server's port; 0 takes a free one. */
	smtpPort: number;
	/** Messages kept; the oldest go first. */
	maxMessages?: number;
	/** Largest message accepted, in bytes. */
	maxMessageBytes?: number;
}

export interface MailCatcher {
	/** The web inbox, e.g. http://127.0.0.1:54324 */
	url: string;
	/** Where to send mail, e.g. smtp://127.0.0.1:54325 */
	smtpUrl: string;
	/** Newest first; `to` filters by envelope recipient. */
	messages(to?: string): CaughtMessage[];
	clear(): void;
	stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const LINK = /https?:\/\/[^\s"'<>]+/g;

const urlHost = (host: string) =>
	host === '0.0.0.0'
		? '127.0.0.1'
		: host === '::'
			? '[::1]'
			: host.includes(':')
				? `[${host}]`
				: host;

function addresses(value: AddressObject | AddressObject[] | undefined): string {
	if (!value) return '';
	return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

function linksOf(text: string, html: string | null): string[] {
	const found = [...text.matchAll(LINK), ...(html ?? '').matchAll(LINK)].map((m) =>
		m[0].replace(/[.,;:!?)\]]+$/, '')
	);
	return [...new Set(found)];
}

const escapeHtml = (value: string) =>
	value.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);

/** The text with its links made clickable; everything else escaped. */
function textWithLinks(text: string): string {
	let html = '';
	let last = 0;
	for (const match of text.matchAll(LINK)) {
		const link = match[0].replace(/[.,;:!?)\]]+$/, '');
		html += escapeHtml(text.slice(last, match.index));
		html += `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`;
		last = match.index + link.length;
	}
	return html + escapeHtml(text.slice(last));
}

function inboxPage(messages: CaughtMessage[], to: string | null): string {
	const items = messages
		.map(
			(m) => `<article>
	<h2>${escapeHtml(m.subject || '(no subject)')}</h2>
	<p class="meta">To <strong>${escapeHtml(m.to.join(', '))}</strong> · from ${escapeHtml(m.from)} ·
		<time datetime="${m.receivedAt}">${escapeHtml(m.receivedAt)}</time> · ${escapeHtml(m.messageId ?? '')}</p>
	<pre>${textWithLinks(m.text)}</pre>
</article>`
		)
		.join('\n');
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail catcher — Tenantry</title>
<style>
	body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2328; }
	article { border: 1px solid #d0d7de; border-radius: 6px; padding: 0 1rem; margin: 1rem 0; }
	.meta { color: #59636e; font-size: 13px; }
	pre { white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>Mail catcher</h1>
<p>Every email this Tenantry instance sent, caught over SMTP instead of delivered${
		to ? ` — to <strong>${escapeHtml(to)}</strong> (<a href="/">all</a>)` : ''
	}. ${messages.length} message${messages.length === 1 ? '' : 's'}, newest first; kept in memory until restart.</p>
${items || '<p>No mail yet.</p>'}
</body>
</html>`;
}

/**
 * Listens on `server` (the HTTP server, or the SMTP server's net.Server, whose errors `errors`
 * re-emits), saying which port is taken.
 */
function listen(
	server: NetServer,
	errors: EventEmitter,
	port: number,
	host: string,
	what: string,
	variable: string
) {
	return new Promise<AddressInfo>((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException) =>
			reject(
				error.code === 'EADDRINUSE'
					? new Error(
							`Port ${port} on ${host} (the mail catcher's ${what}) is already in use: set ${variable} to a free port, or MAIL_CATCHER=off.`
						)
					: error
			);
		errors.once('error', onError);
		server.listen(port, host, () => {
			errors.off('error', onError);
			resolve(server.address() as AddressInfo);
		});
	});
}

export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
	const host = options.host ?? '127.0.0.1';
	const maxMessages = options.maxMessages ?? 1000;
	const store: CaughtMessage[] = [];

	const smtp = new SMTPServer({
		banner: 'Tenantry mail catcher',
		authOptional: true,
		// Plain SMTP on loopback: nothing to encrypt, and no self-signed certificate to refuse.
		disabledCommands: ['STARTTLS', 'AUTH'],
		size: options.maxMessageBytes ?? 10 * 1024 * 1024,
		logger: false,
		onData(stream, session, callback) {
			simpleParser(stream).then(
				(parsed) => {
					if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
						callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
						return;
					}
					const text = parsed.text ?? '';
					const html = typeof parsed.html === 'string' ? parsed.html : null;
					store.unshift({
						id: randomUUID(),
						messageId: parsed.messageId ?? null,
						from: addresses(parsed.from),
						to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
						subject: parsed.subject ?? '',
						text,
						html,
						links: linksOf(text, html),
						receivedAt: new Date().toISOString()
					});
					store.length = Math.min(store.length, maxMessages);
					callback();
				},
				(error: Error) => callback(error)
			);
		}
	});

	const list = (to?: string | null) => {
		const address = to?.trim().toLowerCase();
		return address ? store.filter((m) => m.to.includes(address)) : [...store];
	};

	let allowedHosts: Set<string> | null = null;
	const web = createServer((req: IncomingMessage, res: ServerResponse) => {
		const send = (status: number, type: string, body: string) => {
			res.writeHead(status, {
				'content-type': type,
				'cache-control': 'no-store',
				'x-content-type-options': 'nosniff',
				'x-frame-options': 'DENY',
				'referrer-policy': 'no-referrer',
				'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'"
			});
			res.end(body);
		};
		const json = (status: number, value: unknown) =>
			send(status, 'application/json; charset=utf-8', JSON.stringify(value));
		if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
			return send(
				421,
				'text/plain; charset=utf-8',
				'Unknown host: open the mail catcher on 127.0.0.1.'
			);
		}
		const url = new URL(req.url ?? '/', 'http://catcher');
		const to = url.searchParams.get('to');
		if (url.pathname === '/' && req.method === 'GET') {
			return send(200, 'text/html; charset=utf-8', inboxPage(list(to), to));
		}
		if (url.pathname === '/api/messages') {
			if (req.method === 'GET') return json(200, list(to));
			if (req.method === 'DELETE') {
				store.length = 0;
				return json(200, { deleted: true });
			}
			return json(405, { error: 'GET or DELETE' });
		}
		const one = /^\/api\/messages\/([0-9a-f-]{36})$/.exec(url.pathname);
		if (one && req.method === 'GET') {
			const message = store.find((m) => m.id === one[1]);
			return message ? json(200, message) : json(404, { error: 'No such message' });
		}
		return json(404, { error: 'Not found' });
	});

	// A client that drops its connection is the client's problem, not a reason to stop the process.
	smtp.on('error', () => {});
	const smtpAddress = await listen(
		smtp.server,
		smtp,
		options.smtpPort,
		host,
		'SMTP port',
		'MAIL_CATCHER_SMTP_PORT'
	);
	let webAddress: AddressInfo;
	try {
		webAddress = await listen(web, web, options.port, host, 'inbox port', 'MAIL_CATCHER_PORT');
	} catch (error) {
		await new Promise<void>((resolve) => smtp.close(() => resolve()));
		throw error;
	}
	const wildcard = host === '0.0.0.0' || host === '::';
	allowedHosts = wildcard
		? null
		: new Set([...LOOPBACK, urlHost(host).toLowerCase()].map((h) => `${h}:${webAddress.port}`));

	return {
		url: `http://${urlHost(host)}:${webAddress.port}`,
		smtpUrl: `smtp://${urlHost(host)}:${smtpAddress.port}`,
		messages: (to) => list(to),
		clear: () => void (store.length = 0),
		async stop() {
			web.closeAllConnections();
			await Promise.all([
				new Promise<void>((resolve) => web.close(() => resolve())),
				new Promise<void>((resolve) => smtp.close(() => resolve()))
			]);
		}
	};
}
