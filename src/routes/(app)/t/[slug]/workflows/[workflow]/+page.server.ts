import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { listEventTypes } from '$lib/server/webhooks/queries';
import {
	deleteWorkflow,
	findWorkflow,
	pageRuns,
	RUN_LIST,
	setWorkflowEnabled,
	startRun,
	updateWorkflow
} from '$lib/server/workflows/queries';
import {
	enabledSchema,
	startSchema,
	workflowFormSchema,
	workflowIdSchema
} from '$lib/server/workflows/schemas';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * One workflow (docs/workflows.md): the editor (saving makes the saver its owner and a new
 * version), on/off, "test with this input" (a manual run), its run history, delete.
 * workflows.manage throughout; another tenant's workflow is the same 404 as none.
 */
export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'workflows.manage'))
		error(403, 'Workflows need the workflows.manage permission.');
	const list = readList(url.searchParams, RUN_LIST);
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const workflow = await findWorkflow(trx, tenant.id, params.workflow);
		if (!workflow) return null;
		return {
			workflow,
			runs: await pageRuns(trx, tenant.id, list, workflow.id),
			eventTypes: (await listEventTypes(trx)).filter((t) => !t.type.startsWith('workflow.'))
		};
	});
	if (!found) error(404, 'No such workflow.');
	return { ...found, crumb: found.workflow.name };
};

export const actions: Actions = {
	update: (event) =>
		tenantAction(event, workflowFormSchema, async (trx, _t, { input }) => {
			const version = await updateWorkflow(trx, event.params.workflow, input);
			return {
				ok: `The workflow was saved (version ${version}); its steps now run with your rights.`
			};
		}),
	enabled: (event) =>
		tenantAction(event, enabledSchema, async (trx, _t, { input }) => {
			await setWorkflowEnabled(trx, input.workflow, input.enabled);
			return {
				ok: input.enabled
					? 'The workflow is on: its trigger starts runs.'
					: 'The workflow is off: nothing starts it (runs under way go on).'
			};
		}),
	start: async (event) => {
		const result = await tenantAction(event, startSchema, async (trx, tenant, { input }) => ({
			run: await startRun(trx, input.workflow, input.input),
			slug: tenant.slug
		}));
		if (refused(result)) return result;
		redirect(
			303,
			resolve('/(app)/t/[slug]/workflows/runs/[run]', { slug: result.slug, run: result.run })
		);
	},
	delete: async (event) => {
		const result = await tenantAction(event, workflowIdSchema, async (trx, tenant, { input }) => {
			await deleteWorkflow(trx, input.workflow);
			return { slug: tenant.slug };
		});
		if (refused(result)) return result;
		redirect(303, resolve('/(app)/t/[slug]/workflows', { slug: result.slug }));
	}
};
