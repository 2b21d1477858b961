// @ts-check
/**
 * npm start — the production server with zero configuration: builds the app when build/ is
 * missing or was built from other sources (scripts/build.js), then imports the adapter-node
 * build's handler, whose `init` hook validates the environment and starts the database
 * (`ensureRuntime()`: open or create, migrate, seed on first start, serve on 127.0.0.1:54322, the
 * background jobs), and mounts it on this process's own HTTP server. One process: the app and the
 * wire server share one PGlite. Plain JavaScript on Node alone: no TypeScript loader to start.
 * `npm run dev` is the same with Vite instead of the build.
 */
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_DIR, ensureBuild } from './build.js';
import {
	allowedHosts,
	announce,
	fail,
	isAllowedHost,
	listen,
	log,
	shutdownOnSignals
} from './serve.js';

/** @typedef {import('../src/lib/server/platform/db').Runtime} Runtime */
/** @typedef {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next: () => void) => void} Handler */

/**
 * The header this server sets on every request to tell adapter-node the scheme people use. With
 * neither ORIGIN nor PROTOCOL_HEADER configured, adapter-node would assume https, and SvelteKit's
 * CSRF check (Origin must equal the request's origin) would refuse every form on plain http. ORIGIN
 * cannot be used: tenant subdomains and custom domains each have their own origin, taken from Host.
 */
const PROTOCOL_HEADER = 'x-tenantry-protocol';

async function main() {
	await ensureBuild(log);
	// Every host is served with the public URL's scheme (a TLS proxy in front serves them all),
	// unless adapter-node is told otherwise (ORIGIN, or PROTOCOL_HEADER naming the proxy's header).
	const ownProtocol = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
	if (ownProtocol) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
	// adapter-node's default (512 KB) is below the upload limits: a task's file is 10 MB and the form
	// around it (the endpoints cap their own bodies first, so this is only the outer bound).
	process.env.BODY_SIZE_LIMIT ??= '11M';
	/** @type {{ handler: Handler }} */
	const { handler } = await import(pathToFileURL(resolve(BUILD_DIR, 'handler.js')).href);
	const started = /** @type {{ [key: symbol]: Promise<Runtime> | undefined }} */ (globalThis)[
		Symbol.for('tenantry.runtime')
	];
	if (!started) {
		throw new Error(
			"The build did not start the database: the app's init hook (src/hooks.server.ts) calls ensureRuntime()."
		);
	}
	const runtime = await started;
	const { config } = runtime;
	const protocol = new URL(config.PUBLIC_URL).protocol.slice(0, -1);
	const hosts = allowedHosts(config);
	const http = createServer((req, res) => {
		if (!isAllowedHost(hosts, req.headers.host)) {
			res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
			res.end('This host is not served here. Its operator can add it to ALLOWED_HOSTS.\n');
			return;
		}
		if (ownProtocol) req.headers[PROTOCOL_HEADER] = protocol;
		handler(req, res, () => {
			res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
		});
	});
	await listen(http, config);
	await announce(runtime, 'production server');
	shutdownOnSignals(http, runtime);
}

main().catch(fail);
