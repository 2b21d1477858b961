import { error } from '@sveltejs/kit';
import { createRoleSchema, deleteRoleSchema, updateRoleSchema } from '$lib/server/roles/schemas';
import { withClaims } from '$lib/server/platform/db';
import {
	createRole,
	deleteRole,
	groupPermissions,
	listPermissions,
	listRoles,
	updateRole
} from '$lib/server/roles/queries';
import { tenantAction } from '$lib/server/tenancy/actions';
import { formError } from '$lib/server/platform/web/forms';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'members.read') && !can(permissions, 'roles.manage')) {
		error(403, 'Seeing roles needs the members.read or roles.manage permission.');
	}
	return withClaims(requireClaims(locals), async (trx) => ({
		roles: await listRoles(trx, tenant.id),
		groups: groupPermissions(await listPermissions(trx))
	}));
};

const OPTIONS = { explain: 'roles' } as const;

/** `missing` (false from the write) answers when RLS hid the row: not permitted, or not this tenant's. */
function answer(done: boolean, ok: string, values: Record<string, string>) {
	return done ? { ok } : formError(403, 'You cannot change that role.', values);
}

export const actions: Actions = {
	create: (event) =>
		tenantAction(
			event,
			createRoleSchema,
			async (trx, tenant, { input }) => {
				await createRole(trx, tenant.id, input);
				return { ok: `Role “${input.name}” created.` };
			},
			OPTIONS
		),
	update: (event) =>
		tenantAction(
			event,
			updateRoleSchema,
			async (trx, tenant, { input, values }) =>
				answer(
					await updateRole(trx, tenant.id, input.roleId, input),
					`Role “${input.name}” saved.`,
					values
				),
			OPTIONS
		),
	delete: (event) =>
		tenantAction(
			event,
			deleteRoleSchema,
			async (trx, tenant, { input, values }) =>
				answer(await deleteRole(trx, tenant.id, input.roleId), 'Role deleted.', values),
			OPTIONS
		)
};
