/**
 * A webhook receiver on loopback for the delivery tests and the benchmark: it verifies every
 * request with the reference library (`standardwebhooks`' Webhook.verify, never our own code),
 * records what arrived, and fails on purpose as told. Behaviours: ok, down (nothing listens),
 * slow (answers after `slowMs`), status (any code, with Retry-After if given), reset (the
 * connection is reset mid-request), and a TLS endpoint (`tlsUrl`: a plain TCP server that closes
 * on the handshake).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Behaviour =
	| { kind: 'ok' }
	| { kind: 'down' }
	| { kind: 'slow'; ms: number }
	| { kind: 'status'; status: number; retryAfter?: string }
	| { kind: 'reset' };

export interface Received {
	id: string;
	timestamp: number;
	body: string;
	signature: string;
	/** The Host header. */
	host: string;
	/** Did Webhook.verify accept it with the endpoint's secret(s)? */
	verified: boolean;
	/** What the receiver answered ('reset', 'slow' …). */
	answered: string;
	at: number;
}

export interface Receiver {
	/** http://127.0.0.1:<port>/hook */
	readonly url: string;
	/** https://127.0.0.1:<port>/hook — always refuses TLS. */
	readonly tlsUrl: string;
	/** Connections the TLS endpoint has had. */
	tlsConnections(): number;
	readonly received: Received[];
	/** Secrets Webhook.verify tries (any one accepting is enough, as in a rotation). */
	secrets: string[];
	behave(next: Behaviour): Promise<void>;
	/** Answers the next requests with `steps`, one each, then keeps to `then`. */
	sequence(steps: Behaviour[], then: Behaviour): Promise<void>;
	stop(): Promise<void>;
}

function verify(secrets: string[], body: string, headers: IncomingMessage['headers']): boolean {
	const h = {
		'webhook-id': String(headers['webhook-id'] ?? ''),
		'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
		'webhook-signature': String(headers['webhook-signature'] ?? '')
	};
	return secrets.some((secret) => {
		try {
			new Webhook(secret).verify(body, h);
			return true;
		} catch {
			return false;
		}
	});
}

function listen(server: Server | TcpServer, port = 0): Promise<number> {
	return new Promise((done, fail) => {
		server.once('error', fail);
		server.listen(port, '127.0.0.1', () => {
			server.off('error', fail);
			done((server.address() as { port: number }).port);
		});
	});
}

export async function startReceiver(secrets: string[]): Promise<Receiver> {
	let behaviour: Behaviour = { kind: 'ok' };
	let queue: Behaviour[] = [];
	const received: Received[] = [];
	const sockets = new Set<import('node:net').Socket>();

	const handle = (req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			const now: Behaviour = queue.shift() ?? behaviour;
			const record = (answered: string) =>
				received.push({
					id: String(req.headers['webhook-id'] ?? ''),
					timestamp: Number(req.headers['webhook-timestamp']),
					body,
					signature: String(req.headers['webhook-signature'] ?? ''),
					host: String(req.headers.host ?? ''),
					verified: verify(receiver.secrets, body, req.headers),
					answered,
					at: Date.now()
				});
			if (now.kind === 'reset') {
				record('reset');
				req.socket.resetAndDestroy();
			} else if (now.kind === 'slow') {
				record('slow');
				setTimeout(() => res.writeHead(200).end('late'), now.ms).unref();
			} else if (now.kind === 'status') {
				record(String(now.status));
				const headers: Record<string, string> = { 'content-type': 'text/plain' };
				if (now.retryAfter) headers['retry-after'] = now.retryAfter;
				res.writeHead(now.status, headers).end(`answered ${now.status}`);
			} else {
				record('200');
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			}
		});
	};

	let http = createServer(handle);
	http.keepAliveTimeout = 1000;
	http.on('connection', (s) => {
		sockets.add(s);
		s.once('close', () => sockets.delete(s));
	});
	const port = await listen(http);
	let tlsConnections = 0;
	const tls = createTcpServer((socket) => {
		tlsConnections++;
		socket.once('data', () => socket.destroy());
	});
	const tlsPort = await listen(tls);
	let down = false;

	const closeHttp = () =>
		new Promise<void>((done) => {
			for (const s of sockets) s.destroy();
			http.close(() => done());
		});

	const receiver: Receiver = {
		url: `http://127.0.0.1:${port}/hook`,
		tlsUrl: `https://127.0.0.1:${tlsPort}/hook`,
		tlsConnections: () => tlsConnections,
		received,
		secrets,
		async behave(next) {
			queue = [];
			behaviour = next;
			if (next.kind === 'down' && !down) {
				down = true;
				await closeHttp();
			} else if (next.kind !== 'down' && down) {
				down = false;
				http = createServer(handle);
				http.on('connection', (s) => {
					sockets.add(s);
					s.once('close', () => sockets.delete(s));
				});
				await listen(http, port);
			}
		},
		async sequence(steps, then) {
			await receiver.behave(then);
			queue = [...steps];
		},
		async stop() {
			if (!down) await closeHttp();
			await new Promise<void>((done) => tls.close(() => done()));
		}
	};
	return receiver;
}
