import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import {
	pageWorkflows,
	pendingApprovals,
	setWorkflowEnabled,
	WORKFLOW_LIST
} from '$lib/server/workflows/queries';
import { enabledSchema } from '$lib/server/workflows/schemas';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Workflows (docs/workflows.md): the list with each one's trigger, state and last run, on/off,
 * and the approvals waiting for the person. workflows.manage for the list (SQL decides: RLS and
 * the RPCs); an approver without it still sees what waits for them here.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	const manages = can(permissions, 'workflows.manage');
	const params = readList(url.searchParams, WORKFLOW_LIST);
	const found = await withClaims(requireClaims(locals), async (trx) => ({
		workflows: manages ? await pageWorkflows(trx, tenant.id, params) : null,
		approvals: await pendingApprovals(trx, tenant.id)
	}));
	if (!manages && found.approvals.length === 0)
		error(403, 'Workflows need the workflows.manage permission.');
	return { ...found, manages };
};

export const actions: Actions = {
	enabled: (event) =>
		tenantAction(event, enabledSchema, async (trx, _t, { input }) => {
			await setWorkflowEnabled(trx, input.workflow, input.enabled);
			return {
				ok: input.enabled
					? 'The workflow is on: its trigger starts runs.'
					: 'The workflow is off: nothing starts it (runs under way go on).'
			};
		})
};
