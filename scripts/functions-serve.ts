/**
 * npm run functions:serve — runs the edge functions in Deno (from the npm `deno` package) at
 * http://127.0.0.1:54321/functions/v1/<name>, connected to the embedded database served on 54322
 * (start it with `npm start` or `npm run db:serve`), or to DATABASE_URL in the server profile.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/lib/server/config';

/** The signing secret used when none is set: for local testing only, never for a real endpoint. */
export const DEV_WEBHOOK_SECRET = 'whsec_tenantry_local_development_only';

try {
	const config = loadConfig();
	const dbUrl =
		process.env.SUPABASE_DB_URL ??
		(config.DB_ENGINE === 'server'
			? config.DATABASE_URL!
			: `postgresql://postgres@${config.DB_SERVE_HOST}:${config.DB_SERVE_PORT}/postgres`);
	const secret = process.env.STRIPE_WEBHOOK_SIGNING_SECRET ?? DEV_WEBHOOK_SECRET;
	if (!process.env.STRIPE_WEBHOOK_SIGNING_SECRET) {
		console.log(`[functions] STRIPE_WEBHOOK_SIGNING_SECRET not set; using ${DEV_WEBHOOK_SECRET}`);
	}
	const child = spawn(
		resolve('node_modules/.bin/deno'),
		['run', '--allow-net', '--allow-env', '--allow-read', '_dev/serve.ts'],
		{
			cwd: 'supabase/functions',
			stdio: 'inherit',
			env: { ...process.env, SUPABASE_DB_URL: dbUrl, STRIPE_WEBHOOK_SIGNING_SECRET: secret }
		}
	);
	const stop = () => child.kill('SIGTERM');
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	child.on('exit', (code) => process.exit(code ?? 0));
} catch (error) {
	console.error(error instanceof ConfigError ? error.message : (error as Error).message);
	process.exit(1);
}
