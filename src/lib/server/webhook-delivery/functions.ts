/**
 * The edge functions of supabase/functions run in Deno beside the app, as `supabase start` runs
 * the edge runtime: `deno run supabase/functions/_dev/serve.ts` (every function at
 * http://FUNCTIONS_HOST:FUNCTIONS_PORT/functions/v1/<name>), given the database's wire URL and the
 * key that opens the sealed signing secrets. Deno comes from the npm package `deno`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface EdgeFunctions {
	/** http://host:port, without /functions/v1. */
	readonly url: string;
	stop(): Promise<void>;
	/** Kills Deno at once (SIGKILL), as a crash would: for the tests. */
	kill(): Promise<void>;
}

export interface EdgeFunctionsOptions {
	/** SUPABASE_DB_URL for the functions. */
	databaseUrl: string;
	/** SECRETS_ENCRYPTION_KEY for the functions (secretsKeyText(config)). */
	secretsKey: string;
	host: string;
	port: number;
	allowLoopback: boolean;
	/** More variables for the functions (WEBHOOK_TIMEOUT_MS, WEBHOOK_DISPATCHERS …). */
	env?: Record<string, string>;
	/** The Deno binary (the npm package's by default). */
	deno?: string;
	log?: (line: string) => void;
}

export const DENO = resolve('node_modules/.bin/deno');

/** Starts the functions and resolves once they listen; rejects with what went wrong. */
export async function startEdgeFunctions(options: EdgeFunctionsOptions): Promise<EdgeFunctions> {
	const deno = options.deno ?? DENO;
	if (!existsSync(deno)) {
		throw new Error(
			`Deno is missing (${deno}): the edge functions (webhook-dispatch delivers webhooks) run in it. ` +
				'Run npm install (the npm package deno provides it), or set FUNCTIONS_SERVE=off.'
		);
	}
	const log = options.log ?? (() => {});
	const child: ChildProcess = spawn(
		deno,
		['run', '--allow-net', '--allow-env', '--allow-read', '_dev/serve.ts'],
		{
			cwd: resolve('supabase/functions'),
			env: {
				...process.env,
				...options.env,
				NO_COLOR: '1',
				SUPABASE_DB_URL: options.databaseUrl,
				SECRETS_ENCRYPTION_KEY: options.secretsKey,
				WEBHOOK_ALLOW_LOOPBACK: String(options.allowLoopback),
				FUNCTIONS_HOST: options.host,
				FUNCTIONS_PORT: String(options.port)
			},
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	const onLine = (chunk: Buffer) => {
		output += chunk;
		for (const line of String(chunk).split('\n')) if (line.trim()) log(`functions: ${line}`);
	};
	child.stdout!.on('data', onLine);
	child.stderr!.on('data', onLine);
	const exited = new Promise<void>((done) => child.once('exit', () => done()));
	const deadline = Date.now() + 120_000;
	while (!output.includes('edge functions:')) {
		if (child.exitCode !== null || Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`The edge functions did not start:\n${output.slice(-2000)}`);
		}
		await new Promise((r) => setTimeout(r, 25));
	}
	return {
		url: `http://${options.host}:${options.port}`,
		async stop() {
			if (child.exitCode === null) child.kill('SIGTERM');
			await exited;
		},
		async kill() {
			if (child.exitCode === null) child.kill('SIGKILL');
			await exited;
		}
	};
}
