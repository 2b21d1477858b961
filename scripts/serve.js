// @ts-check
/**
 * What `npm start` (scripts/start.js, the production server) and `npm run dev` (scripts/dev.ts,
 * Vite with hot reload) share besides the database, which both start through the same
 * `ensureRuntime()` (src/lib/server/platform/runtime.ts): the hosts they answer, the HTTP server this
 * process owns, the "ready" line after the health probe, and a clean shutdown. Plain JavaScript,
 * so `npm start` runs on Node alone.
 */
import { isIP } from 'node:net';

/** @typedef {import('../src/lib/server/platform/db').Runtime} Runtime */
/** @typedef {import('../src/lib/server/platform/config').Config} Config */

/** @param {string} line */
export const log = (line) => console.log(`[tenantry] ${line}`);

/**
 * The Host headers answered (a guard against DNS rebinding), in Vite's `allowedHosts` form: the
 * app's host and its subdomains (tenant hosts) and ALLOWED_HOSTS (custom domains; a leading dot
 * admits the domain and its subdomains). localhost, its subdomains and IP addresses always pass.
 * @param {Config} config
 * @returns {string[]}
 */
export function allowedHosts(config) {
	return [`.${new URL(config.PUBLIC_URL).hostname}`, ...(config.ALLOWED_HOSTS?.split(',') ?? [])];
}

/**
 * Whether a request's Host header is one this process answers, with Vite's rules.
 * @param {string[]} allowed
 * @param {string | undefined} header
 */
export function isAllowedHost(allowed, header) {
	if (!header) return false;
	const host = (
		header.startsWith('[') ? header.slice(1, header.indexOf(']')) : (header.split(':')[0] ?? '')
	)
		.toLowerCase()
		.replace(/\.$/, '');
	if (isIP(host) || host === 'localhost' || host.endsWith('.localhost')) return true;
	return allowed.some((entry) =>
		entry.startsWith('.')
			? host === entry.slice(1).toLowerCase() || host.endsWith(entry.toLowerCase())
			: host === entry.toLowerCase()
	);
}

/**
 * @param {import('node:http').Server} http
 * @param {Config} config
 * @returns {Promise<void>}
 */
export async function listen(http, config) {
	await new Promise((resolve, reject) => {
		http.once('error', (/** @type {NodeJS.ErrnoException} */ error) =>
			reject(
				error.code === 'EADDRINUSE'
					? new Error(
							`Port ${config.PORT} on ${config.HOST} is already in use: set PORT to a free port.`
						)
					: error
			)
		);
		http.listen(config.PORT, config.HOST, () => resolve(undefined));
	});
}

/**
 * Prints where the database is, asks /api/health, then says "ready" with the time since the
 * process started.
 * @param {Runtime} runtime
 * @param {string} mode
 */
export async function announce({ config, engine, wire }, mode) {
	const host = config.HOST === '127.0.0.1' || config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
	log(`database: ${engine.kind} (${engine.location})`);
	if (wire) log(`psql: psql ${wire.url}`);
	const probe =
		config.HOST === '0.0.0.0'
			? '127.0.0.1'
			: config.HOST.includes(':')
				? `[${config.HOST}]`
				: config.HOST;
	/** @type {{ status: string }} */
	const health = await fetch(`http://${probe}:${config.PORT}/api/health`).then(
		(r) => r.json(),
		(/** @type {Error} */ error) => ({ status: error.message })
	);
	if (health.status !== 'ok') log(`warning: /api/health answers ${health.status}`);
	log(`ready in ${Math.round(performance.now())} ms at http://${host}:${config.PORT} (${mode})`);
}

/**
 * On SIGINT/SIGTERM: `close` (the app's server), then the HTTP server, then the database.
 * @param {import('node:http').Server} http
 * @param {Runtime} runtime
 * @param {() => Promise<void>} [close]
 */
export function shutdownOnSignals(http, runtime, close = async () => {}) {
	/** @param {string} signal */
	const stop = async (signal) => {
		log(`${signal} received, shutting down`);
		await close();
		http.closeAllConnections();
		await new Promise((resolve) => http.close(resolve));
		await runtime.shutdown();
		process.exit(0);
	};
	process.once('SIGINT', () => void stop('SIGINT'));
	process.once('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * A bad environment is one line per problem (ConfigError, from either copy of config.ts: the
 * sources' or the build's); anything else says the start failed.
 * @param {Error} error
 * @returns {never}
 */
export function fail(error) {
	console.error(
		error.name === 'ConfigError' ? error.message : `Tenantry did not start:\n${error.message}`
	);
	process.exit(1);
}
