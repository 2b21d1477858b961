/**
 * npm run bench -- boot [runs] [--rebuild] — time from `npm start` to ready (it answers
 * /api/health before saying so), side by side with `npm run dev`: for each, the first start on an
 * empty data directory (create, migrate, seed; for `npm start` also the build check) and a warm
 * start on the same directory (open only), alternating, same machine. Targets for `npm start`:
 * warm ≤ 3 s, first ≤ 8 s. `--rebuild` also times one start with no fresh build (a fresh clone's
 * first `npm start`: build included); it rewrites build/, so run it with no tests running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuild, sourceFingerprint } from '../scripts/build.js';
import { startApp } from '../tests/support/app';

async function bootOnce(dataDir: string, dev: boolean): Promise<number> {
	const started = performance.now();
	const app = await startApp({ DATA_DIR: dataDir }, { dev });
	const elapsed = performance.now() - started;
	const health = await fetch(`${app.url}/api/health`);
	await app.stop();
	if (health.status !== 200) throw new Error(`/api/health answered ${health.status}`);
	return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => (ms / 1000).toFixed(2);

export async function run(args: string[]) {
	const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
	const rebuild = args.includes('--rebuild');
	await ensureBuild((line) => console.log(`[bench] ${line}`));
	const checkStarted = performance.now();
	sourceFingerprint();
	const check = performance.now() - checkStarted;

	const times = {
		prod: { cold: [] as number[], warm: [] as number[] },
		dev: { cold: [] as number[], warm: [] as number[] }
	};
	for (let i = 0; i < runs; i++) {
		for (const mode of ['prod', 'dev'] as const) {
			const dir = mkdtempSync(join(tmpdir(), 'tenantry-boot-'));
			try {
				times[mode].cold.push(await bootOnce(dir, mode === 'dev'));
				times[mode].warm.push(await bootOnce(dir, mode === 'dev'));
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		}
	}
	let fresh: number | undefined;
	if (rebuild) {
		writeFileSync('build/.sources', 'stale\n');
		const dir = mkdtempSync(join(tmpdir(), 'tenantry-boot-'));
		try {
			fresh = await bootOnce(dir, false);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}

	const row = (label: string, xs: number[], target?: number) =>
		`  ${label.padEnd(44)} median ${s(median(xs))}  [${xs.map(s).join(', ')}]${
			target === undefined
				? ''
				: `  target ≤ ${s(target)}: ${median(xs) <= target ? 'met' : 'MISSED'}`
		}`;
	const { prod, dev } = times;
	console.log(`start to ready (health answered), ${runs} runs each, alternating (seconds)`);
	console.log(`  build check (fingerprint of the sources): ${check.toFixed(1)} ms`);
	console.log('npm start (production server)');
	console.log(row('empty data dir (build check, create, migrate, seed)', prod.cold, 8000));
	console.log(row('warm data dir (build check, open)', prod.warm, 3000));
	console.log('npm run dev (Vite dev server)');
	console.log(row('empty data dir (create, migrate, seed)', dev.cold));
	console.log(row('warm data dir (open)', dev.warm));
	console.log('ratios');
	console.log(
		`  npm start / npm run dev, empty: ${(median(prod.cold) / median(dev.cold)).toFixed(2)}`
	);
	console.log(
		`  npm start / npm run dev, warm:  ${(median(prod.warm) / median(dev.warm)).toFixed(2)}`
	);
	console.log(
		`  npm start warm / empty:         ${(median(prod.warm) / median(prod.cold)).toFixed(2)}`
	);
	if (fresh !== undefined) {
		console.log(`npm start with no fresh build (build, create, migrate, seed): ${s(fresh)}`);
	}
}
