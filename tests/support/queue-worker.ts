/**
 * A job queue worker in a process of its own, for tests/integration/queue.test.ts to kill:
 * `tsx tests/support/queue-worker.ts <database url> <queue> <worker id> <lease seconds>` runs a
 * worker whose handler says `started <job id>` on stdout and then never finishes, so the job stays
 * held until the process dies and its lease passes.
 */
import { loadConfig } from '../../src/lib/server/platform/config';
import { openServer } from '../../src/lib/server/platform/server';
import { createWorker } from '../../src/lib/server/queue/worker';

const [url, queue, workerId, lease] = process.argv.slice(2);
if (!url || !queue || !workerId || !lease) {
	throw new Error('usage: queue-worker.ts <database url> <queue> <worker id> <lease seconds>');
}
const engine = openServer(url, 2);
const worker = createWorker({
	db: engine.db,
	config: loadConfig({ NODE_ENV: 'test' }),
	workerId,
	queues: [
		{
			name: queue,
			job: 'queue.work',
			leaseSeconds: Number(lease),
			async handle(job) {
				console.log(`started ${job.id}`);
				await new Promise(() => {});
			}
		}
	],
	log: (line) => console.error(line)
});
await worker.tick();
setInterval(() => void worker.tick(), 100);
