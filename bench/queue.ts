/**
 * npm run bench -- queue [--jobs N] [--latency N] — the job queue (src/lib/server/queue/) with a
 * handler that does nothing, so what is measured is the queue itself:
 *
 * - throughput: N jobs queued in one statement, claimed and completed by one worker at
 *   concurrency 1, 4 and 16, until every job is recorded succeeded (jobs/s);
 * - pickup latency when idle: one job at a time, from its enqueue's commit to the handler starting,
 *   woken by LISTEN jobs (p50 / p99 over the runs).
 *
 * On the embedded engine (PGlite) and on Postgres (TEST_DATABASE_URL); on Postgres, graphile-worker
 * does the same on the same database (its own LISTEN, the same concurrency, a task that does
 * nothing) and the ratios are printed.
 */
import { Logger, run as runGraphile, type Runner } from 'graphile-worker';
import pg from 'pg';
import { loadConfig } from '../src/lib/server/platform/config';
import type { Engine } from '../src/lib/server/platform/engine';
import { listen } from '../src/lib/server/platform/listen';
import { createWorker } from '../src/lib/server/queue/worker';
import { argValue, forEachEngine, percentile, table, until } from './_setup';

const CONCURRENCY = [1, 4, 16];
const QUEUE = 'bench.noop';
const config = loadConfig({ NODE_ENV: 'test' });

function q<Row = Record<string, unknown>>(engine: Engine, text: string, params: unknown[] = []) {
	return engine.session((s) => s.query<Row>(text, params));
}

interface Result {
	perSecond: number;
	p50: number;
	p99: number;
}

async function ours(
	engine: Engine,
	url: string | undefined,
	concurrency: number,
	jobs: number,
	runs: number
): Promise<Result> {
	let handled = 0;
	let startedAt = 0;
	const worker = createWorker({
		db: engine.db,
		config,
		queues: [
			{
				name: QUEUE,
				job: 'queue.work',
				concurrency,
				async handle() {
					startedAt = performance.now();
					handled++;
				}
			}
		]
	});
	const unlisten = await listen(engine, url, 'jobs', () => worker.wake());
	try {
		await q(engine, `delete from public.jobs where queue = $1`, [QUEUE]);
		await worker.tick();
		const start = performance.now();
		await q(
			engine,
			`select count(private.enqueue_job($1, jsonb_build_object('i', i))) from generate_series(1, $2::int) i`,
			[QUEUE, jobs]
		);
		await until(() => handled >= jobs && worker.running === 0, 600_000, `${jobs} jobs`);
		const perSecond = jobs / ((performance.now() - start) / 1000);
		const [row] = await q<{ n: number }>(
			engine,
			`select count(*)::int as n from public.jobs where queue = $1 and status = 'succeeded' and attempts = 1`,
			[QUEUE]
		);
		if (row!.n !== jobs)
			throw new Error(`${row!.n} of ${jobs} jobs succeeded on their first attempt`);

		const latencies: number[] = [];
		for (let i = 0; i < runs; i++) {
			const before = handled;
			await new Promise((r) => setTimeout(r, 5));
			await q(engine, `select private.enqueue_job($1, '{}')`, [QUEUE]);
			const committed = performance.now();
			await until(() => handled > before, 10_000, 'an idle pickup');
			latencies.push(Math.max(0, startedAt - committed));
		}
		return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
	} finally {
		await unlisten();
		await worker.stop();
	}
}

async function graphile(
	url: string,
	concurrency: number,
	jobs: number,
	runs: number
): Promise<Result> {
	let handled = 0;
	let startedAt = 0;
	let runner: Runner | undefined;
	const pool = new pg.Pool({ connectionString: url, max: concurrency + 2 });
	pool.on('error', () => {});
	pool.on('connect', (client) => client.on('error', () => {}));
	const client = new pg.Client({ connectionString: url });
	try {
		runner = await runGraphile({
			pgPool: pool,
			concurrency,
			noHandleSignals: true,
			pollInterval: 1000,
			logger: new Logger(() => () => {}),
			taskList: {
				async noop() {
					startedAt = performance.now();
					handled++;
				}
			}
		});
		await runner.addJob('noop', {});
		await until(() => handled >= 1, 30_000, 'the warm-up job');
		await client.connect();
		const base = handled;
		const start = performance.now();
		await client.query(
			`select count(graphile_worker.add_job('noop', json_build_object('i', i))) from generate_series(1, $1::int) i`,
			[jobs]
		);
		await until(() => handled >= base + jobs, 600_000, `${jobs} graphile-worker jobs`);
		const perSecond = jobs / ((performance.now() - start) / 1000);
		const latencies: number[] = [];
		for (let i = 0; i < runs; i++) {
			const before = handled;
			await new Promise((r) => setTimeout(r, 5));
			await client.query(`select graphile_worker.add_job('noop', '{}')`);
			const committed = performance.now();
			await until(() => handled > before, 10_000, 'an idle graphile-worker pickup');
			latencies.push(Math.max(0, startedAt - committed));
		}
		return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
	} finally {
		await client.end().catch(() => undefined);
		await runner?.stop();
		await pool.end();
	}
}

export async function run(args: string[]): Promise<void> {
	const jobs = Number(argValue(args, '--jobs') ?? 1000);
	const runs = Number(argValue(args, '--latency') ?? 100);
	console.log(
		`Job queue: ${jobs} no-op jobs per throughput run, ${runs} idle enqueues for pickup latency`
	);
	await forEachEngine('queue', async (engine, name, url) => {
		await q(engine, `select private.register_job_queue($1, 'The benchmark''s no-op jobs', 3)`, [
			QUEUE
		]);
		const server = engine.kind === 'server';
		const rows: (string | number)[][] = [
			[
				'concurrency',
				'jobs/s',
				'pickup p50 ms',
				'p99 ms',
				...(server ? ['graphile jobs/s', 'p50 ms', 'p99 ms', 'throughput ratio'] : [])
			]
		];
		for (const n of CONCURRENCY) {
			const r = await ours(engine, url, n, jobs, runs);
			const row: (string | number)[] = [
				n,
				r.perSecond.toFixed(0),
				r.p50.toFixed(1),
				r.p99.toFixed(1)
			];
			if (server) {
				const g = await graphile(url!, n, jobs, runs);
				row.push(
					g.perSecond.toFixed(0),
					g.p50.toFixed(1),
					g.p99.toFixed(1),
					`${(r.perSecond / g.perSecond).toFixed(2)}×`
				);
			}
			rows.push(row);
		}
		console.log(`\n${name}\n${table(rows)}`);
	});
}
