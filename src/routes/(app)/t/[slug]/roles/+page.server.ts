import { error, type ActionFailure } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import { createRoleSchema, deleteRoleSchema, updateRoleSchema } from '$lib/server/roles/schemas';
import { withClaims } from '$lib/server/platform/db';
import type { DB } from '$lib/server/platform/database';
import { describeDbError } from '$lib/server/platform/errors';
import {
	createRole,
	deleteRole,
	explainRoleError,
	groupByModule,
	listPermissions,
	listRoles,
	updateRole
} from '$lib/server/roles/queries';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import { fieldError, formError, parseForm, type FormFailure } from '$lib/server/platform/web/forms';
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
		groups: groupByModule(await listPermissions(trx))
	}));
};

/**
 * Runs a role write as the caller in one transaction. Refusals come back as field or form errors
 * with the values kept; `missing` answers when RLS hid the row (not permitted, or not this tenant's).
 */
async function write(
	locals: App.Locals,
	slug: string,
	values: Record<string, string>,
	run: (trx: Transaction<DB>, tenantId: string) => Promise<boolean>
): Promise<ActionFailure<FormFailure> | null> {
	try {
		const done = await withClaims(requireClaims(locals), async (trx) => {
			const tenant = await findTenantBySlug(trx, slug);
			if (!tenant) error(404, 'Not found');
			return run(trx, tenant.id);
		});
		return done ? null : formError(403, 'You cannot change that role.', values);
	} catch (e) {
		const known = explainRoleError(e) ?? describeDbError(e);
		if (!known) throw e;
		return known.field
			? fieldError(known.field, known.message, values)
			: formError(400, known.message, values);
	}
}

export const actions: Actions = {
	create: async ({ request, locals, params }) => {
		const form = await parseForm(request, createRoleSchema);
		if (!form.ok) return form.failure;
		const refused = await write(locals, params.slug, form.values, async (trx, tenantId) => {
			await createRole(trx, tenantId, form.data);
			return true;
		});
		return refused ?? { ok: `Role “${form.data.name}” created.` };
	},
	update: async ({ request, locals, params }) => {
		const form = await parseForm(request, updateRoleSchema);
		if (!form.ok) return form.failure;
		const refused = await write(locals, params.slug, form.values, (trx, tenantId) =>
			updateRole(trx, tenantId, form.data.roleId, form.data)
		);
		return refused ?? { ok: `Role “${form.data.name}” saved.` };
	},
	delete: async ({ request, locals, params }) => {
		const form = await parseForm(request, deleteRoleSchema);
		if (!form.ok) return form.failure;
		const refused = await write(locals, params.slug, form.values, (trx, tenantId) =>
			deleteRole(trx, tenantId, form.data.roleId)
		);
		return refused ?? { ok: 'Role deleted.' };
	}
};
