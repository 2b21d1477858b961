/**
 * The `queue.work` system job: when any module registered a queue, its first run starts the one
 * worker of this process for all of them (LISTEN jobs wakes it when a job is queued), and every
 * run after that wakes it (QUEUE_POLL_MS), for what the LISTEN missed — jobs queued through the
 * embedded engine's wire server, notifications lost with a connection. Shutdown stops the worker
 * after the handlers in flight (QUEUE_SHUTDOWN_GRACE_MS).
 */
import { getRuntime } from '../platform/db';
import { listen } from '../platform/listen';
import { registerJob } from '../platform/scheduler';
import { registeredQueues } from './registry';
import { createWorker, type Worker } from './worker';

const log = (line: string) => console.log(`[tenantry] ${line}`);

let started: Promise<{ worker: Worker; unlisten: () => Promise<void> }> | null = null;

async function start() {
	const runtime = await getRuntime();
	if (!runtime) throw new Error('queue.work runs inside the app runtime (bootstrap).');
	const { engine, config } = runtime;
	const queues = registeredQueues();
	const worker = createWorker({
		db: engine.db,
		config,
		queues,
		shutdownGraceMs: config.QUEUE_SHUTDOWN_GRACE_MS,
		log
	});
	const names = new Set(queues.map((q) => q.name));
	const unlisten = await listen(
		engine,
		config.DATABASE_URL,
		'jobs',
		(queue) => {
			if (names.has(queue)) worker.wake();
		},
		(line) => log(`queue.work: ${line}`)
	);
	log(`jobs: worker ${worker.id} runs ${[...names].join(', ')}`);
	return { worker, unlisten };
}

registerJob({
	name: 'queue.work',
	intervalMs: (config) => (registeredQueues().length > 0 ? config.QUEUE_POLL_MS : 0),
	async run() {
		started ??= start().catch((error: Error) => {
			console.error(`[tenantry] jobs are not run: ${error.message}`);
			throw error;
		});
		const { worker } = await started;
		await worker.tick();
	},
	async onShutdown() {
		const current = await started?.catch(() => null);
		started = null;
		await current?.unlisten();
		await current?.worker.stop();
	}
});
