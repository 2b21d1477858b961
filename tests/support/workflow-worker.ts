/**
 * A workflow step worker in a process of its own, for tests/integration/workflows.test.ts to kill
 * mid-step: `tsx tests/support/workflow-worker.ts <database url> <worker id> <lease seconds>` runs
 * the real engine (queue workflows.step) with WEBHOOK_ALLOW_LOOPBACK, ticking every 100 ms.
 */
import { loadConfig } from '../../src/lib/server/platform/config';
import { openServer } from '../../src/lib/server/platform/server';
import { createWorker } from '../../src/lib/server/queue/worker';
import { stepQueue } from '../../src/lib/server/workflows/engine';

const [url, workerId, lease] = process.argv.slice(2);
if (!url || !workerId || !lease) {
	throw new Error('usage: workflow-worker.ts <database url> <worker id> <lease seconds>');
}
const engine = openServer(url, 2);
const worker = createWorker({
	db: engine.db,
	config: loadConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK: 'true' }),
	workerId,
	queues: [{ ...stepQueue, leaseSeconds: Number(lease) } as never],
	log: (line) => console.error(line)
});
setInterval(() => void worker.tick(), 100);
