/**
 * The workflows module's jobs: queue `workflows.step` (every step of every run, the engine's
 * handler) and the scheduled `workflows.schedule`, which starts the runs of due cron ticks in each
 * tenant's time zone and computes the next tick (WORKFLOWS_SCHEDULE_INTERVAL_MS).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { registerQueue } from '../queue/registry';
import { nextTick, parseCron } from '../../workflows/cron';
import { stepQueue } from './engine';

registerQueue(stepQueue);

interface Due {
	workflow_id: string;
	schedule_cron: string;
	timezone: string;
	next_run_at: Date | null;
}

/** Starts the due ticks' runs and sets each workflow's next tick; returns the runs started. */
export async function runDueSchedules(db: Kysely<DB>, now = new Date()): Promise<number> {
	return runAsServiceRole(db, 'workflows.schedule', async (trx) => {
		const { rows } = await sql<Due>`select * from public.workflow_schedules_due(100)`.execute(trx);
		let started = 0;
		for (const due of rows) {
			const parsed = parseCron(due.schedule_cron);
			const next = parsed.ok ? nextTick(parsed.schedule, now, due.timezone) : null;
			const { rows: run } = await sql<{ run: string | null }>`
				select public.workflow_schedule_tick(${due.workflow_id}, ${due.next_run_at}, ${next}) as run`.execute(
				trx
			);
			if (run[0]?.run) started += 1;
		}
		return started;
	});
}

registerJob({
	name: 'workflows.schedule',
	intervalMs: (config) => config.WORKFLOWS_SCHEDULE_INTERVAL_MS,
	run: (db) => runDueSchedules(db)
});
