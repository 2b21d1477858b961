import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY, openEmbedded, type EmbeddedEngine } from '../../src/lib/server/db/embedded';
import { migrate, seed } from '../../src/lib/server/db/migrate';
import { serveWire, type WireServer } from '../../src/lib/server/db/wire';

/** Runs `deno test` on the edge functions, connected to `url`; resolves with its exit code and output. */
function denoTest(url: string): Promise<{ code: number | null; output: string }> {
	return new Promise((done) => {
		const child = spawn(
			resolve('node_modules/.bin/deno'),
			['test', '--allow-net', '--allow-env', '--allow-read', '--no-check=remote'],
			{
				cwd: 'supabase/functions',
				env: { ...process.env, SUPABASE_DB_URL: url, NO_COLOR: '1' },
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		child.on('exit', (code) => done({ code, output }));
	});
}

describe('edge functions in Deno, against the served embedded database', () => {
	let engine: EmbeddedEngine;
	let wire: WireServer;

	beforeAll(async () => {
		engine = await openEmbedded(MEMORY);
		const { owner } = await migrate(engine, { dir: 'supabase/migrations', compat: 'auto' });
		await seed(engine, { file: 'supabase/seed.sql', owner });
		wire = await serveWire({
			pglite: engine.pglite,
			lock: engine.lock,
			host: '127.0.0.1',
			port: 0,
			maxConnections: 16
		});
	});
	afterAll(async () => {
		await wire.stop();
		await engine.close();
	});

	it('passes every Deno test (stripe-webhook: forged, duplicate, out of order, unknown types)', async () => {
		const { code, output } = await denoTest(wire.url);
		expect(output, output).toMatch(/ok \| \d+ passed \(\d+ steps?\) \| 0 failed/);
		expect(code, output).toBe(0);
	}, 300_000);
});
