/**
 * npm run functions:serve — runs the edge functions in Deno (from the npm `deno` package) at
 * http://127.0.0.1:54321/functions/v1/<name>, connected to the embedded database served on 54322
 * (start it with `npm start` or `npm run db:serve`), or to DATABASE_URL in the server profile.
 *
 * The stripe-webhook function verifies every event with STRIPE_WEBHOOK_SIGNING_SECRET. Without
 * one, this run makes a random secret and prints it, as `stripe listen` does: a fixed fallback
 * would be published with the code, and anyone could sign events with it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/lib/server/platform/config';
import { secretsKeyText } from '../src/lib/server/platform/secrets';

try {
	const config = loadConfig();
	const dbUrl =
		process.env.SUPABASE_DB_URL ??
		(config.DB_ENGINE === 'server'
			? config.DATABASE_URL!
			: `postgresql://postgres@${config.DB_SERVE_HOST}:${config.DB_SERVE_PORT}/postgres`);
	let secret = config.STRIPE_WEBHOOK_SIGNING_SECRET;
	if (!secret) {
		secret = `whsec_${randomBytes(32).toString('hex')}`;
		console.log(
			`[functions] STRIPE_WEBHOOK_SIGNING_SECRET is not set; this run's webhook signing secret is ${secret}\n` +
				"[functions] Give the app the same value (STRIPE_WEBHOOK_SIGNING_SECRET with STRIPE_WEBHOOK_FORWARD_URL) to forward the fake's events, or set one to keep it across runs."
		);
	}
	const child = spawn(
		resolve('node_modules/.bin/deno'),
		['run', '--allow-net', '--allow-env', '--allow-read', '_dev/serve.ts'],
		{
			cwd: 'supabase/functions',
			stdio: 'inherit',
			env: {
				...process.env,
				SUPABASE_DB_URL: dbUrl,
				STRIPE_WEBHOOK_SIGNING_SECRET: secret,
				// webhook-dispatch opens the sealed signing secrets with the app's key.
				SECRETS_ENCRYPTION_KEY: secretsKeyText(config),
				// …and, during a key rotation, the previous one (data keys not yet re-wrapped).
				...(config.SECRETS_ENCRYPTION_KEY_PREVIOUS
					? { SECRETS_ENCRYPTION_KEY_PREVIOUS: config.SECRETS_ENCRYPTION_KEY_PREVIOUS }
					: {}),
				WEBHOOK_ALLOW_LOOPBACK: String(config.WEBHOOK_ALLOW_LOOPBACK)
			}
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
