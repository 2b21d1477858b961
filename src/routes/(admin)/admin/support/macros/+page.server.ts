import { withClaims } from '$lib/server/platform/db';
import { fieldError } from '$lib/server/platform/web/forms';
import { requireRole, staffAction } from '$lib/server/admin/guard';
import { createMacro, deleteMacro, listMacros, updateMacro } from '$lib/server/support/queries';
import { macroIdSchema, macroSchema } from '$lib/server/support/schemas';
import type { Actions, PageServerLoad } from './$types';

const GONE = 'That macro no longer exists: reload the page.';

/** Support staff's saved replies: add, edit, delete (RLS: support staff only; TN411, TN412). */
export const load: PageServerLoad = async ({ locals, parent }) => {
	requireRole((await parent()).holds, 'support');
	return withClaims(locals.claims, async (trx) => ({
		macros: await listMacros(trx),
		crumb: 'Macros'
	}));
};

export const actions: Actions = {
	create: (event) =>
		staffAction(event, 'support', macroSchema, async (trx, { input }) => {
			await createMacro(trx, input);
			return { ok: `Macro “${input.title}” saved.` };
		}),
	update: (event) =>
		staffAction(
			event,
			'support',
			macroSchema.extend(macroIdSchema.shape),
			async (trx, { input, values }) => {
				if (!(await updateMacro(trx, input.id, input))) return fieldError('title', GONE, values);
				return { ok: `Macro “${input.title}” saved.` };
			}
		),
	delete: (event) =>
		staffAction(event, 'support', macroIdSchema, async (trx, { input, values }) => {
			if (!(await deleteMacro(trx, input.id))) return fieldError('id', GONE, values);
			return { ok: 'Macro deleted.' };
		})
};
