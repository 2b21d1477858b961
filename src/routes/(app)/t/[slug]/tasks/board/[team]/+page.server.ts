import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { wakeBoard } from '$lib/server/tasks/live';
import {
	addColumn,
	createTask,
	deleteColumn,
	getBoard,
	moveColumn,
	moveTask,
	renameColumn
} from '$lib/server/tasks/queries';
import {
	columnIdOnlySchema,
	columnSchema,
	createTaskSchema,
	moveColumnSchema,
	moveTaskSchema,
	renameColumnSchema,
	teamIdSchema
} from '$lib/server/tasks/schemas';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tasks.read')) error(403, 'You do not have permission to see tasks.');
	if (!teamIdSchema.safeParse(params.team).success) error(404, 'Not found');
	const board = await withClaims(requireClaims(locals), (trx) =>
		getBoard(trx, tenant.id, params.team)
	);
	if (!board) error(404, 'Not found');
	return { board, crumb: `${board.team.name} board` };
};

/** Runs a board write as the person; once it has committed, every open copy of the board reloads. */
async function boardWrite<T>(event: RequestEvent, write: () => Promise<T>): Promise<T> {
	if (!teamIdSchema.safeParse(event.params.team).success) error(404, 'Not found');
	const result = await write();
	if (!refused(result)) wakeBoard(event.params.team);
	return result;
}

export const actions: Actions = {
	create: (event) =>
		boardWrite(event, () =>
			tenantAction(event, createTaskSchema, async (trx, tenant, { input }) => {
				await createTask(trx, {
					tenantId: tenant.id,
					teamId: event.params.team,
					columnId: input.column,
					title: input.title,
					priority: input.priority
				});
				return { ok: 'Card added.' };
			})
		),

	/** Called by the board's script (drag and drop, keyboard): the card's new key. */
	move: (event) =>
		boardWrite(event, () =>
			tenantAction(event, moveTaskSchema, async (trx, _tenant, { input }) => ({
				moved: await moveTask(trx, input.task, input.column, input.before, input.after)
			}))
		),

	addColumn: (event) =>
		boardWrite(event, () =>
			tenantAction(event, columnSchema, async (trx, tenant, { input }) => {
				await addColumn(trx, tenant.id, event.params.team, input.name);
				return { ok: 'Column added.' };
			})
		),

	renameColumn: (event) =>
		boardWrite(event, () =>
			tenantAction(event, renameColumnSchema, async (trx, tenant, { input, values }) =>
				(await renameColumn(trx, tenant.id, input.column, input.name))
					? { ok: 'Column renamed.' }
					: formError(404, 'No such column, or you may not change it (tasks.manage).', values)
			)
		),

	moveColumn: (event) =>
		boardWrite(event, () =>
			tenantAction(event, moveColumnSchema, async (trx, _tenant, { input }) => {
				await moveColumn(trx, input.column, input.index);
				return { ok: 'Column moved.' };
			})
		),

	deleteColumn: (event) =>
		boardWrite(event, () =>
			tenantAction(event, columnIdOnlySchema, async (trx, tenant, { input, values }) =>
				(await deleteColumn(trx, tenant.id, input.column))
					? { ok: 'Column deleted.' }
					: formError(404, 'No such column, or you may not change it (tasks.manage).', values)
			)
		)
};
