/**
 * Serves the embedded database over the Postgres wire protocol, like `supabase start` serves its
 * database on 54322, so psql, internal tools and edge functions connect with a plain URL.
 *
 * PGlite is one backend, so clients are multiplexed: pglite-socket parses the protocol and this
 * queue decides whose message runs next. A client holds the backend (the shared SessionLock, also
 * taken by the app's own Kysely queries) from its first message until a unit of work ends: a
 * simple Query or an extended-protocol Sync that leaves no transaction open. Statements of
 * different clients therefore never interleave inside a transaction or an extended-protocol batch.
 * Session-level state (`set`, not `set local`) is shared by all clients, as behind a
 * transaction-mode pooler; Tenantry itself only ever uses transaction-local settings.
 */
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import { createServer, type Server, type Socket } from 'node:net';
import type { SessionLock } from './session-lock';

const QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const TERMINATE = 0x58; // 'X'
const STARTUP = 0x00; // startup packets begin with their length's high byte

interface Pending {
	handlerId: number;
	message: Uint8Array;
	onData: (data: Uint8Array) => void;
	resolve: (bytes: number) => void;
	reject: (error: Error) => void;
}

class WireQueue {
	#queue: Pending[] = [];
	#owner: number | null = null;
	#release: (() => void) | null = null;
	#pumping = false;

	constructor(
		private readonly pglite: PGlite,
		private readonly lock: SessionLock
	) {}

	enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void) {
		return new Promise<number>((resolve, reject) => {
			this.#queue.push({ handlerId, message, onData, resolve, reject });
			void this.#pump();
		});
	}

	getQueueLength() {
		return this.#queue.length;
	}

	clearQueueForHandler(handlerId: number) {
		this.#queue = this.#queue.filter((item) => {
			if (item.handlerId !== handlerId) return true;
			item.reject(new Error('client disconnected'));
			return false;
		});
	}

	async clearTransactionIfNeeded(handlerId: number) {
		if (this.#owner !== handlerId) return;
		if (this.pglite.isInTransaction()) await this.pglite.exec('rollback');
		this.#handBack();
		void this.#pump();
	}

	#handBack() {
		this.#owner = null;
		const release = this.#release;
		this.#release = null;
		release?.();
	}

	async #pump() {
		if (this.#pumping) return;
		this.#pumping = true;
		try {
			while (this.#queue.length > 0) {
				const index =
					this.#owner === null ? 0 : this.#queue.findIndex((p) => p.handlerId === this.#owner);
				if (index === -1) break;
				const item = this.#queue.splice(index, 1)[0]!;
				if (this.#owner === null) {
					this.#release = await this.lock.acquire();
					this.#owner = item.handlerId;
				}
				let bytes = 0;
				try {
					await this.pglite.runExclusive(() =>
						this.pglite.execProtocolRawStream(item.message, {
							onRawData: (data) => {
								bytes += data.length;
								item.onData(data);
							}
						})
					);
					item.resolve(bytes);
				} catch (error) {
					item.reject(error as Error);
				}
				const type = item.message[0];
				const endsUnit = type === QUERY || type === SYNC || type === STARTUP || type === TERMINATE;
				if (endsUnit && !this.pglite.isInTransaction()) this.#handBack();
			}
		} finally {
			this.#pumping = false;
		}
	}
}

/** A FATAL ErrorResponse message, sent before closing a connection that cannot be served. */
function errorResponse(code: string, message: string): Buffer {
	const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
	const header = Buffer.alloc(5);
	header.write('E', 0);
	header.writeInt32BE(fields.length + 4, 1);
	return Buffer.concat([header, fields]);
}

export interface WireServer {
	readonly host: string;
	readonly port: number;
	readonly url: string;
	connections(): number;
	stop(): Promise<void>;
}

export async function serveWire(options: {
	pglite: PGlite;
	lock: SessionLock;
	host: string;
	port: number;
	maxConnections: number;
}): Promise<WireServer> {
	const queue = new WireQueue(options.pglite, options.lock);
	const handlers = new Set<PGLiteSocketHandler>();
	const sockets = new Set<Socket>();
	const server: Server = createServer((socket: Socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		if (handlers.size >= options.maxConnections) {
			socket.end(errorResponse('53300', 'sorry, too many clients already'));
			setTimeout(() => socket.destroy(), 1000).unref();
			return;
		}
		const handler = new PGLiteSocketHandler({
			queryQueue: queue as unknown as ConstructorParameters<
				typeof PGLiteSocketHandler
			>[0]['queryQueue'],
			closeOnDetach: true
		});
		handlers.add(handler);
		const forget = () => handlers.delete(handler);
		handler.addEventListener('close', forget);
		handler.addEventListener('error', forget);
		handler.attach(socket).catch(() => {
			forget();
			socket.destroy();
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', (error: NodeJS.ErrnoException) => {
			reject(
				error.code === 'EADDRINUSE'
					? new Error(
							`Port ${options.port} on ${options.host} is already in use, so the embedded database ` +
								`cannot be served there. Stop whatever holds it or set DB_SERVE_PORT (or DB_SERVE=false).`
						)
					: error
			);
		});
		server.listen(options.port, options.host, () => resolve());
	});
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : options.port;
	return {
		host: options.host,
		port,
		url: `postgresql://postgres@${options.host}:${port}/postgres`,
		connections: () => handlers.size,
		async stop() {
			for (const handler of handlers) await handler.detach(true);
			handlers.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
