import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { listEventTypes } from '$lib/server/webhooks/queries';
import { createWorkflow } from '$lib/server/workflows/queries';
import { workflowFormSchema } from '$lib/server/workflows/schemas';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/** A new workflow (docs/workflows.md): the editor, saved off; its page then runs and turns it on. */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { permissions } = await parent();
	if (!can(permissions, 'workflows.manage'))
		error(403, 'Workflows need the workflows.manage permission.');
	const eventTypes = await withClaims(requireClaims(locals), (trx) => listEventTypes(trx));
	return {
		eventTypes: eventTypes.filter((t) => !t.type.startsWith('workflow.')),
		crumb: 'New workflow'
	};
};

export const actions: Actions = {
	create: async (event) => {
		const result = await tenantAction(
			event,
			workflowFormSchema,
			async (trx, tenant, { input }) => ({
				id: await createWorkflow(trx, tenant.id, input),
				slug: tenant.slug
			})
		);
		if (refused(result)) return result;
		redirect(
			303,
			resolve('/(app)/t/[slug]/workflows/[workflow]', { slug: result.slug, workflow: result.id })
		);
	}
};
