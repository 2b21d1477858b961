import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import {
	cancelRun,
	decideApproval,
	findRun,
	findWorkflow,
	pendingApprovals,
	rerun
} from '$lib/server/workflows/queries';
import { decideSchema, runIdSchema } from '$lib/server/workflows/schemas';
import type { Actions, PageServerLoad } from './$types';

/**
 * One run (docs/workflows.md): its steps as a timeline (state, attempts, duration, output, error),
 * cancel and re-run for managers, and the approval buttons for whoever holds the permission its
 * step names (who may not read the run sees only the approval).
 */
export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant } = await parent();
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const run = await findRun(trx, tenant.id, params.run);
		const mine = (await pendingApprovals(trx, tenant.id)).filter((a) => a.runId === params.run);
		const workflow = run ? await findWorkflow(trx, tenant.id, run.workflowId) : undefined;
		return { run: run ?? null, workflow: workflow ?? null, decidable: mine.map((a) => a.id), mine };
	});
	if (!found.run && found.mine.length === 0) error(404, 'No such workflow run.');
	return { ...found, crumb: found.run ? `Run of ${found.run.workflowName}` : 'Approval' };
};

export const actions: Actions = {
	cancel: (event) =>
		tenantAction(event, runIdSchema, async (trx, _t, { input }) => {
			await cancelRun(trx, input.run);
			return { ok: 'The run was cancelled: its remaining steps will not run.' };
		}),
	rerun: async (event) => {
		const result = await tenantAction(event, runIdSchema, async (trx, tenant, { input }) => ({
			run: await rerun(trx, input.run),
			slug: tenant.slug
		}));
		if (refused(result)) return result;
		redirect(
			303,
			resolve('/(app)/t/[slug]/workflows/runs/[run]', { slug: result.slug, run: result.run })
		);
	},
	decide: (event) =>
		tenantAction(event, decideSchema, async (trx, _t, { input }) => {
			await decideApproval(trx, input.approval, input.decision === 'approve', input.comment);
			return {
				ok:
					input.decision === 'approve'
						? 'Approved: the run goes on.'
						: 'Rejected: the run takes its rejected branch.'
			};
		})
};
