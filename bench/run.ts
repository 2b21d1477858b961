/**
 * npm run bench -- <name> [args...] — runs bench/<name>.ts (its exported `run(args)`).
 * Benchmarks print ratios measured side by side in one run; they are never part of `npm test`.
 */
import { readdirSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync('bench')
	.filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
	.map((f) => f.replace(/\.ts$/, ''));

if (!name || !available.includes(name)) {
	console.error(
		`Usage: npm run bench -- <name> [args]\nAvailable: ${available.join(', ') || 'none'}`
	);
	process.exit(1);
}

const bench = (await import(`./${name}.ts`)) as { run: (args: string[]) => Promise<void> };
await bench.run(args);
process.exit(0);
