/**
 * npm start — the production server with zero configuration: builds the app when build/ is
 * missing or was built from other sources (scripts/build.ts), validates the environment, opens (or
 * creates) the database, migrates, seeds demo data on first start, serves the database on
 * 127.0.0.1:54322, then mounts the adapter-node build's handler on this process's own HTTP server,
 * so the app and the wire server share one PGlite. `npm run dev` is the same with Vite instead.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
	allowedHosts,
	announce,
	boot,
	fail,
	isAllowedHost,
	listen,
	log,
	shutdownOnSignals
} from './boot';
import { BUILD_DIR, ensureBuild } from './build';

/**
 * The header this server sets on every request to tell adapter-node the scheme people use. With
 * neither ORIGIN nor PROTOCOL_HEADER configured, adapter-node would assume https, and SvelteKit's
 * CSRF check (Origin must equal the request's origin) would refuse every form on plain http. ORIGIN
 * cannot be used: tenant subdomains and custom domains each have their own origin, taken from Host.
 */
const PROTOCOL_HEADER = 'x-tenantry-protocol';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

async function main() {
	await ensureBuild(log);
	const { config, runtime } = await boot();
	// Every host is served with the public URL's scheme (a TLS proxy in front serves them all),
	// unless adapter-node is told otherwise (ORIGIN, or PROTOCOL_HEADER naming the proxy's header).
	const ownProtocol = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
	const protocol = new URL(config.PUBLIC_APP_URL).protocol.slice(0, -1);
	if (ownProtocol) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
	// adapter-node's default (512 KB) is below the payment-proof limit (5 MB and the form around it).
	process.env.BODY_SIZE_LIMIT ??= '6M';
	// Importing the handler runs the app's `init` hook, which finds the database started above.
	const { handler } = (await import(pathToFileURL(resolve(BUILD_DIR, 'handler.js')).href)) as {
		handler: Handler;
	};
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
	await announce(config, runtime, 'production server');
	shutdownOnSignals(http, runtime);
}

main().catch(fail);
