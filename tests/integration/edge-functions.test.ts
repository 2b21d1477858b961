import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedEmbedded } from '../support/database';
import { freePort } from '../support/app';
import type { EmbeddedEngine } from '../../src/lib/server/platform/embedded';
import type { WireServer } from '../../src/lib/server/platform/wire';

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
		({ engine, wire } = await servedEmbedded({ seed: true, maxConnections: 16 }));
	});
	afterAll(async () => {
		await wire.stop();
		await engine.close();
	});

	it('passes every Deno test (stripe-webhook: forged, duplicate, out of order, unknown types; scim: filter grammar, routes, wire format)', async () => {
		const { code, output } = await denoTest(wire.url);
		expect(output, output).toMatch(/ok \| \d+ passed \(\d+ steps?\) \| 0 failed/);
		expect(code, output).toBe(0);
	}, 300_000);

	it('attack 3.9: functions:serve signs with a secret of its own per run, so an event signed with the once-published secret is refused', async () => {
		const port = await freePort();
		const env: NodeJS.ProcessEnv = {
			...process.env,
			SUPABASE_DB_URL: wire.url,
			FUNCTIONS_PORT: String(port)
		};
		delete env.STRIPE_WEBHOOK_SIGNING_SECRET;
		delete env.STRIPE_WEBHOOK_FORWARD_URL;
		const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/functions-serve.ts'], {
			env,
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		try {
			const deadline = Date.now() + 120_000;
			while (!output.includes('edge functions:')) {
				if (child.exitCode !== null || Date.now() > deadline)
					throw new Error(`functions:serve did not start:\n${output}`);
				await new Promise((r) => setTimeout(r, 100));
			}
			const secret = /webhook signing secret is (whsec_[0-9a-f]{64})/.exec(output)?.[1];
			expect(secret, output).toBeDefined();

			const stripe = new Stripe('sk_test_unused');
			const post = (id: string, signingSecret: string) => {
				const payload = JSON.stringify({
					id,
					object: 'event',
					type: 'tenantry.test_event',
					created: Math.floor(Date.now() / 1000),
					data: { object: { id: 'obj_1', object: 'test' } }
				});
				const signature = stripe.webhooks.generateTestHeaderString({
					payload,
					secret: signingSecret
				});
				return fetch(`http://127.0.0.1:${port}/functions/v1/stripe-webhook`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', 'stripe-signature': signature },
					body: payload
				});
			};
			const run = Date.now().toString(36);
			// The fallback scripts/functions-serve.ts used to use, published in the repository.
			const forged = await post(`evt_forged_${run}`, 'whsec_tenantry_local_development_only');
			expect(forged.status).toBe(400);
			expect(((await forged.json()) as { error: string }).error).toMatch(
				/Signature verification failed/
			);
			const genuine = await post(`evt_genuine_${run}`, secret!);
			expect(genuine.status, await genuine.clone().text()).toBe(200);

			const ledger = await engine.pglite.query<{ id: string }>(
				`select id from private.stripe_events where id like $1 order by id`,
				[`evt_%_${run}`]
			);
			expect(ledger.rows.map((r) => r.id)).toEqual([`evt_genuine_${run}`]);

			const second = spawn(process.execPath, ['--import', 'tsx', 'scripts/functions-serve.ts'], {
				env: { ...env, FUNCTIONS_PORT: String(await freePort()) },
				stdio: ['ignore', 'pipe', 'pipe']
			});
			let again = '';
			second.stdout.on('data', (d) => (again += d));
			while (!/signing secret is whsec_/.test(again) && second.exitCode === null)
				await new Promise((r) => setTimeout(r, 50));
			second.kill('SIGTERM');
			expect(again).not.toContain(secret!);
		} finally {
			child.kill('SIGTERM');
		}
	}, 300_000);
});
