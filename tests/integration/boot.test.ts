import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/app';

interface Started {
	child: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
	const child = spawn(process.execPath, ['scripts/start.js'], {
		env: { ...process.env, NODE_ENV: 'development', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	return { child, output: () => output, exited };
}

async function waitFor(started: Started, pattern: RegExp, ms = 90_000) {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		if (pattern.test(started.output())) return;
		if (started.child.exitCode !== null) break;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`did not see ${pattern} in:\n${started.output()}`);
}

async function stop(started: Started) {
	started.child.kill('SIGTERM');
	return started.exited;
}

describe('npm start', () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-boot-'));
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it('boots with no configuration but ports, migrates, seeds once, serves health and the wire', async () => {
		const [port, dbPort] = [await freePort(), await freePort()];
		const env = { PORT: String(port), DB_SERVE_PORT: String(dbPort), DATA_DIR: dataDir };
		const first = start(env);
		await waitFor(first, /ready in \d+ ms at http:\/\/localhost:\d+/);
		expect(first.output()).toMatch(/seeded demo data/);
		expect(first.output()).toContain(`psql postgresql://postgres@127.0.0.1:${dbPort}/postgres`);

		const health = await fetch(`http://127.0.0.1:${port}/api/health`);
		expect(health.status).toBe(200);
		const body = await health.json();
		expect(body).toMatchObject({ status: 'ok', engine: 'embedded' });
		expect(body.migrations.applied).toBeGreaterThan(0);
		expect(body.migrations.latest).toMatch(/^\d{14}$/);

		const page = await fetch(`http://127.0.0.1:${port}/`);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Tenantry');
		const csp = page.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
		expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
		expect(page.headers.get('x-content-type-options')).toBe('nosniff');

		const clients = [
			new pg.Client(`postgresql://postgres@127.0.0.1:${dbPort}/postgres`),
			new pg.Client(`postgresql://postgres@127.0.0.1:${dbPort}/postgres`)
		];
		await Promise.all(clients.map((c) => c.connect()));
		const counts = await Promise.all(
			clients.map((c) =>
				c.query('select count(*)::int as n from supabase_migrations.schema_migrations')
			)
		);
		expect(counts.map((r) => r.rows[0].n)).toEqual([
			body.migrations.applied,
			body.migrations.applied
		]);
		await Promise.all(clients.map((c) => c.end()));
		expect(await stop(first)).toBe(0);

		const warm = start({
			...env,
			PORT: String(await freePort()),
			DB_SERVE_PORT: String(await freePort())
		});
		await waitFor(warm, /ready in \d+ ms/);
		expect(warm.output()).not.toMatch(/seeded demo data|applied \d{14}/);
		expect(await stop(warm)).toBe(0);
	});

	it('refuses a bad environment with one clear line per value', async () => {
		const bad = start({ PORT: 'abc', DB_SERVE: 'perhaps' });
		expect(await bad.exited).toBe(1);
		expect(bad.output()).toContain('PORT: expected a port number (got "abc")');
		expect(bad.output()).toContain(
			'DB_SERVE: expected one of true, false, 1, 0, yes, no (got "perhaps")'
		);
	});
});
