import { listModels, updateModel } from '$lib/server/ai/queries';
import { modelFormSchema } from '$lib/server/ai/schemas';
import { requireRole, staffAction } from '$lib/server/admin/guard';
import { withClaims } from '$lib/server/platform/db';
import { formError } from '$lib/server/platform/web/forms';
import type { Actions, PageServerLoad } from './$types';

/** The model registry (docs/ai.md): every provider's models and prices, edited by super_admin staff. */
export const load: PageServerLoad = async ({ locals, parent }) => {
	requireRole((await parent()).holds, 'super_admin');
	return { models: await withClaims(locals.claims, (trx) => listModels(trx, null)) };
};

export const actions: Actions = {
	model: async (event) =>
		staffAction(event, 'super_admin', modelFormSchema, async (trx, { input, values }) => {
			if (!(await updateModel(trx, input))) return formError(404, 'No such model.', values);
			return { ok: 'Saved the model.' };
		})
};
