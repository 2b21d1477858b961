/**
 * npm run bench -- boot [runs] — time from `npm start` to a healthy /api/health: on an empty data
 * directory (create, migrate, seed) and on a warm one (open only), alternating, same machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const freePort = () =>
	new Promise<number>((resolve) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});

async function bootOnce(dataDir: string): Promise<number> {
	const port = await freePort();
	const started = performance.now();
	const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
		env: {
			...process.env,
			PORT: String(port),
			DB_SERVE_PORT: String(await freePort()),
			DATA_DIR: dataDir
		},
		stdio: 'ignore'
	});
	try {
		for (;;) {
			if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
			const ok = await fetch(`http://127.0.0.1:${port}/api/health`)
				.then((r) => r.status === 200)
				.catch(() => false);
			if (ok) return performance.now() - started;
			await new Promise((r) => setTimeout(r, 50));
		}
	} finally {
		const exited = new Promise((r) => child.once('exit', r));
		child.kill('SIGTERM');
		await exited;
	}
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(args: string[]) {
	const runs = Number(args[0] ?? 3);
	const cold: number[] = [];
	const warm: number[] = [];
	for (let i = 0; i < runs; i++) {
		const dir = mkdtempSync(join(tmpdir(), 'tenantry-boot-'));
		try {
			cold.push(await bootOnce(dir));
			warm.push(await bootOnce(dir));
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}
	const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
	console.log(`boot to healthy /api/health, ${runs} runs each (seconds)`);
	console.log(
		`  empty data dir (create, migrate, seed): median ${(median(cold) / 1000).toFixed(2)}  [${fmt(cold)}]`
	);
	console.log(
		`  warm data dir (open):                    median ${(median(warm) / 1000).toFixed(2)}  [${fmt(warm)}]`
	);
	console.log(`  warm / cold: ${(median(warm) / median(cold)).toFixed(2)}`);
}
