import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';
import { PERMISSION_FIELD } from '../../options';

/**
 * The custom role editor's form. A checkbox per permission is named `perm:<code>` rather than
 * sharing one name, because a form posts repeated names as separate entries and the shared form
 * parser keeps one value per name; distinct names also let the page re-tick exactly what was sent.
 */

function permissionsOf(values: Record<string, unknown>): string[] {
	return Object.keys(values)
		.filter((key) => key.startsWith(PERMISSION_FIELD) && values[key] === 'on')
		.map((key) => key.slice(PERMISSION_FIELD.length))
		.sort();
}

const name = requiredText('name', 80, 'Give the role a name.');
const description = optionalText('description', 500);

/** A role grants at least one permission (roles_grant_something, TN037). */
export const NO_PERMISSION = 'Tick at least one permission: a role that grants nothing is no role.';
/** Checked even when another field failed, so every error shows at once. */
function grantsSomething(form: Record<string, unknown>): boolean {
	return permissionsOf(form).length > 0;
}
const grantsSomethingParams = { path: ['permissions'], error: NO_PERMISSION, when: () => true };

export const createRoleSchema = z
	.object({
		name,
		description,
		scope: z.enum(['tenant', 'project'], { error: 'Choose where the role applies.' })
	})
	.loose()
	.refine(grantsSomething, grantsSomethingParams)
	.transform((v) => ({
		name: v.name,
		description: v.description,
		scope: v.scope,
		permissions: permissionsOf(v)
	}));

export const updateRoleSchema = z
	.object({ roleId: id('No such role.'), name, description })
	.loose()
	.refine(grantsSomething, grantsSomethingParams)
	.transform((v) => ({
		roleId: v.roleId,
		name: v.name,
		description: v.description,
		permissions: permissionsOf(v)
	}));

export const deleteRoleSchema = z.object({ roleId: id('No such role.') });

/**
 * The stable key of a custom role, derived from its name (roles.key: `^[a-z][a-z0-9_]{1,47}$`).
 * Keys are what seeds and invitations refer to, so a rename keeps the key.
 */
export function roleKey(roleName: string): string {
	const base = roleName
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.slice(0, 40);
	return /^[a-z][a-z0-9_]+$/.test(base) ? base : `role_${base}`.replace(/_+$/, '').slice(0, 40);
}
