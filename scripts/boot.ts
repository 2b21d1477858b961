/**
 * What `npm start` (scripts/start.ts, the production server) and `npm run dev` (scripts/dev.ts,
 * Vite with hot reload) share: the validated environment, the process's database (opened, migrated,
 * seeded on first start, served on the wire, with the background jobs), the HTTP server this
 * process owns, the hosts it answers, the "ready" line after the health probe, and a clean shutdown.
 */
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError, loadConfig, type Config } from '../src/lib/server/config';
import { bootstrap, setRuntime, type Runtime } from '../src/lib/server/db';
import { redactUrl } from '../src/lib/server/db/engine';

export const log = (line: string) => console.log(`[tenantry] ${line}`);

/** Validates the environment and starts the process's database; the SvelteKit server shares it. */
export async function boot(): Promise<{ config: Config; runtime: Runtime }> {
	const config = loadConfig();
	const runtime = await setRuntime(bootstrap(config, log));
	return { config, runtime };
}

/**
 * The Host headers answered (a guard against DNS rebinding), in Vite's `allowedHosts` form: the
 * app's host and its subdomains (tenant hosts) and ALLOWED_HOSTS (custom domains; a leading dot
 * admits the domain and its subdomains). localhost, its subdomains and IP addresses always pass.
 */
export function allowedHosts(config: Config): string[] {
	return [
		`.${new URL(config.PUBLIC_APP_URL).hostname}`,
		...(config.ALLOWED_HOSTS?.split(',') ?? [])
	];
}

/** Whether a request's Host header is one this process answers, with Vite's rules. */
export function isAllowedHost(allowed: string[], header: string | undefined): boolean {
	if (!header) return false;
	const host = (
		header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.split(':')[0]!
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

export async function listen(http: Server, config: Config): Promise<void> {
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
}

/** Prints where the database is, asks /api/health, then says "ready" with the time since start. */
export async function announce(config: Config, runtime: Runtime, mode: string): Promise<void> {
	const host = config.HOST === '127.0.0.1' || config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
	const where =
		runtime.engine.kind === 'embedded'
			? `embedded (${runtime.engine.location})`
			: `server (${redactUrl(config.DATABASE_URL!)})`;
	log(`database: ${where}`);
	if (runtime.wire) log(`psql: psql ${runtime.wire.url}`);
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
	log(`ready in ${Math.round(performance.now())} ms at http://${host}:${config.PORT} (${mode})`);
}

/** On SIGINT/SIGTERM: `close` (the app's server), then the HTTP server, then the database. */
export function shutdownOnSignals(
	http: Server,
	runtime: Runtime,
	close: () => Promise<void> = async () => {}
): void {
	const stop = async (signal: string) => {
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

export function fail(error: Error): never {
	console.error(
		error instanceof ConfigError ? error.message : `Tenantry did not start:\n${error.message}`
	);
	process.exit(1);
}
