/**
 * npm run bench -- boot [runs] — time from `npm start` to ready (it answers /api/health before
 * saying so): on an empty data directory (create, migrate, seed) and on a warm one (open only),
 * alternating, same machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../tests/support/app';

async function bootOnce(dataDir: string): Promise<number> {
	const started = performance.now();
	const app = await startApp({ DATA_DIR: dataDir });
	const elapsed = performance.now() - started;
	const health = await fetch(`${app.url}/api/health`);
	await app.stop();
	if (health.status !== 200) throw new Error(`/api/health answered ${health.status}`);
	return elapsed;
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
	console.log(`npm start to ready (health answered), ${runs} runs each (seconds)`);
	console.log(
		`  empty data dir (create, migrate, seed): median ${(median(cold) / 1000).toFixed(2)}  [${fmt(cold)}]`
	);
	console.log(
		`  warm data dir (open):                    median ${(median(warm) / 1000).toFixed(2)}  [${fmt(warm)}]`
	);
	console.log(`  warm / cold: ${(median(warm) / median(cold)).toFixed(2)}`);
}
