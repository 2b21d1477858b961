import { requireRole, staffAction } from '$lib/server/admin/guard';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import {
	cancelJob,
	FAILED_JOB_LIST,
	listFailedJobs,
	listJobQueues,
	retryJob
} from '$lib/server/queue/console';
import { jobSchema } from '$lib/server/queue/schemas';
import { listGovernanceReports, runGovernanceJob } from '$lib/server/governance/queries';
import { runSchema } from '$lib/server/governance/schemas';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	requireRole((await parent()).holds, 'super_admin');
	const params = readList(url.searchParams, FAILED_JOB_LIST);
	return withClaims(locals.claims, async (trx) => ({
		queues: await listJobQueues(trx),
		failed: await listFailedJobs(trx, params),
		reports: await listGovernanceReports(trx)
	}));
};

/** super_admin only; SQL checks the role again (TN061) and audits both (job.retry, job.cancel). */
export const actions: Actions = {
	retry: (event) =>
		staffAction(event, 'super_admin', jobSchema, async (trx, { input }) => {
			await retryJob(trx, input.job);
			return { ok: 'The job is queued again, due now with all its attempts.' };
		}),
	cancel: (event) =>
		staffAction(event, 'super_admin', jobSchema, async (trx, { input }) => {
			await cancelJob(trx, input.job);
			return { ok: 'The job is cancelled: it will not run.' };
		}),
	/** A retention or maintenance run now (dry run unless unticked): governance's queues, audited. */
	run: (event) =>
		staffAction(event, 'super_admin', runSchema, async (trx, { input }) => {
			const dryRun = input.dryRun === 'on';
			await runGovernanceJob(trx, input.kind, dryRun);
			return {
				ok: `A ${dryRun ? 'dry run' : 'run'} of ${input.kind} is queued; its report appears below when it is done.`
			};
		})
};
