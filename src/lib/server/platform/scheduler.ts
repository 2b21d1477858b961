import type { Kysely } from 'kysely';
import type { Config } from './config';
import type { DB } from './database';
import type { SystemJob } from './rls';

/**
 * A module's job that runs on a timer in the app. Modules register theirs (`registerJob`, from the
 * module's own job file, imported by src/lib/server/modules.ts); the bootstrap starts whatever is
 * registered, so the platform never imports a module.
 */
export interface ScheduledJob {
	name: SystemJob;
	/** The interval from the configuration, in ms; 0 or less turns the job off. */
	intervalMs(config: Config): number;
	/** One run; `config` is the runtime's (PUBLIC_URL for links in mail …). */
	run(db: Kysely<DB>, config: Config): Promise<unknown>;
	/** Runs once when the runtime shuts down, after every timer stopped (a last flush). */
	onShutdown?(db: Kysely<DB>): Promise<unknown>;
}

const registered = new Map<string, ScheduledJob>();

export function registerJob(job: ScheduledJob): void {
	registered.set(job.name, job);
}

export function registeredJobs(): ScheduledJob[] {
	return [...registered.values()];
}

/**
 * Runs a system job on a timer: the first run at once, each next one `intervalMs` after the
 * previous finished (never two at a time). A failed run is logged and the schedule goes on.
 */
export function every(
	name: string,
	intervalMs: number,
	run: () => Promise<unknown>,
	log: (line: string) => void
): () => Promise<void> {
	let stopped = false;
	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> = Promise.resolve();
	const tick = () => {
		running = run()
			.then(
				() => undefined,
				(error: Error) => log(`${name} failed: ${error.message}`)
			)
			.finally(() => {
				if (!stopped) timer = setTimeout(tick, intervalMs).unref();
			});
	};
	timer = setTimeout(tick, 0).unref();
	return async () => {
		stopped = true;
		clearTimeout(timer);
		await running;
	};
}
