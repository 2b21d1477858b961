/**
 * npm start — the app on the embedded database with zero configuration: validates the
 * environment, opens (or creates) the database, migrates, seeds demo data on first start, serves
 * the database on 127.0.0.1:54322, then runs the SvelteKit app on the Vite dev server in this same
 * process, so the app and the wire server share one PGlite.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'vite';
import { ConfigError, loadConfig } from '../src/lib/server/config';
import { bootstrap, setRuntime } from '../src/lib/server/db';
import { redactUrl } from '../src/lib/server/db/engine';

const started = performance.now();
const log = (line: string) => console.log(`[tenantry] ${line}`);

async function main() {
	const config = loadConfig();
	const runtime = await setRuntime(bootstrap(config, log));
	// Middleware mode: this script owns the HTTP server and the process's signals, so shutdown
	// always closes the database cleanly (Vite's own listener would exit before it).
	const http = createHttpServer();
	const vite = await createServer({
		server: {
			middlewareMode: true,
			hmr: { server: http },
			// Vite answers only known Host headers (DNS-rebinding guard): localhost and its
			// subdomains, the app's host and its subdomains (tenant hosts), and custom domains listed.
			allowedHosts: [
				`.${new URL(config.PUBLIC_APP_URL).hostname}`,
				...(config.ALLOWED_HOSTS?.split(',') ?? [])
			]
		},
		appType: 'custom',
		clearScreen: false,
		logLevel: 'warn'
	});
	http.on('request', vite.middlewares);
	await new Promise<void>((resolve, reject) => {
		http.once('error', (error: NodeJS.ErrnoException) =>
			reject(
				error.code === 'EADDRINUSE'
					? new Error(
							`Port ${config.PORT} on ${config.HOST} is already in use: set PORT to a free port.`
						)
					: error
			)
		);
		http.listen(config.PORT, config.HOST, resolve);
	});
	const host = config.HOST === '127.0.0.1' || config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
	const where =
		runtime.engine.kind === 'embedded'
			? `embedded (${runtime.engine.location})`
			: `server (${redactUrl(config.DATABASE_URL!)})`;
	log(`database: ${where}`);
	if (runtime.wire) log(`psql: psql ${runtime.wire.url}`);
	// The first request compiles the server routes; make it ours, so "ready" means ready.
	const probe =
		config.HOST === '0.0.0.0'
			? '127.0.0.1'
			: config.HOST.includes(':')
				? `[${config.HOST}]`
				: config.HOST;
	const health = await fetch(`http://${probe}:${config.PORT}/api/health`).then(
		(r) => r.json() as Promise<{ status: string }>,
		(error: Error) => ({ status: error.message })
	);
	if (health.status !== 'ok') log(`warning: /api/health answers ${health.status}`);
	log(`ready in ${Math.round(performance.now() - started)} ms at http://${host}:${config.PORT}`);

	const stop = async (signal: string) => {
		log(`${signal} received, shutting down`);
		await vite.close();
		http.closeAllConnections();
		await new Promise((resolve) => http.close(resolve));
		await runtime.shutdown();
		process.exit(0);
	};
	process.once('SIGINT', () => void stop('SIGINT'));
	process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
	console.error(
		error instanceof ConfigError ? error.message : `Tenantry did not start:\n${error.message}`
	);
	process.exit(1);
});
