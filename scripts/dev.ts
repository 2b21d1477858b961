/**
 * npm run dev — for people changing the code: the same database, jobs and wire access as
 * `npm start` (started by the same `ensureRuntime()` its build's init hook calls), with the app on
 * Vite's dev server (hot reload, routes compiled on first visit) in this same process, so the app
 * and the wire server share one PGlite. Never for serving others: Vite serves the project's files,
 * and SvelteKit's own CSRF check is off in dev (the app's cross-origin guard in hooks.server.ts
 * still applies).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'vite';
import '../src/lib/server/modules';
import { ensureRuntime } from '../src/lib/server/platform/runtime';
import { allowedHosts, announce, fail, listen, shutdownOnSignals } from './serve.js';

async function main() {
	const runtime = await ensureRuntime();
	const { config } = runtime;
	// Middleware mode: this script owns the HTTP server and the process's signals, so shutdown
	// always closes the database cleanly (Vite's own listener would exit before it).
	const http = createHttpServer();
	const vite = await createServer({
		server: { middlewareMode: true, hmr: { server: http }, allowedHosts: allowedHosts(config) },
		appType: 'custom',
		clearScreen: false,
		logLevel: 'warn'
	});
	http.on('request', vite.middlewares);
	await listen(http, config);
	// The first request compiles the server routes; the health probe makes it ours.
	await announce(runtime, 'dev server, hot reload');
	shutdownOnSignals(http, runtime, () => vite.close());
}

main().catch(fail);
