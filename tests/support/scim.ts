/**
 * The edge functions served in Deno on a free loopback port, against a served embedded database,
 * and SCIM tokens made for the seeded tenants — what tests/integration/scim*.test.ts start from.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './app';
import type { EmbeddedEngine } from '../../src/lib/server/platform/embedded';

export interface ServedFunctions {
	url: string;
	stop: () => void;
}

export async function serveFunctions(dbUrl: string): Promise<ServedFunctions> {
	const port = await freePort();
	const child: ChildProcess = spawn(
		resolve('node_modules/.bin/deno'),
		['run', '--allow-net', '--allow-env', '--allow-read', '_dev/serve.ts'],
		{
			cwd: 'supabase/functions',
			env: {
				...process.env,
				SUPABASE_DB_URL: dbUrl,
				FUNCTIONS_PORT: String(port),
				FUNCTIONS_HOST: '127.0.0.1',
				NO_COLOR: '1'
			},
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const deadline = Date.now() + 120_000;
	while (!output.includes('edge functions:')) {
		if (child.exitCode !== null || Date.now() > deadline) {
			child.kill('SIGTERM');
			throw new Error(`The edge functions did not start:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return { url: `http://127.0.0.1:${port}/functions/v1`, stop: () => child.kill('SIGTERM') };
}

/** A new SCIM token of the tenant (as create_scim_token makes one), returned once. */
export async function scimToken(
	engine: EmbeddedEngine,
	tenantSlug: string,
	name = 'tests'
): Promise<string> {
	const { rows } = await engine.pglite.query<{ token: string }>(
		`select t.token from public.tenants x, private.scim_new_token(x.id, $2, null) t where x.slug = $1`,
		[tenantSlug, name]
	);
	if (!rows[0])
		throw new Error(`No tenant ${tenantSlug} to make a SCIM token for (is the seed loaded?)`);
	return rows[0].token;
}
