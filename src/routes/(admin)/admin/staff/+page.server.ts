import { addStaffSchema, changeStaffSchema, removeStaffSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import {
	addStaff,
	changeStaffRole,
	findProfileIdByEmail,
	listStaff,
	removeStaff
} from '$lib/server/admin/staff';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { staffAction } from '$lib/server/admin/guard';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	await parent();
	return { staff: await withClaims(locals.claims, listStaff) };
};

/**
 * super_admin only (RLS on platform_staff). The console never lets a super_admin remove or demote
 * themselves, so the one acting always remains: the platform cannot be left without a super_admin
 * from here. Every change is audited by the table's triggers.
 */
export const actions: Actions = {
	add: (event) =>
		staffAction(event, 'super_admin', addStaffSchema, async (trx, { input, values }) => {
			const person = await findProfileIdByEmail(trx, input.email);
			if (!person) {
				return fieldError(
					'email',
					'Nobody has an account with that email: ask them to sign up first.',
					values
				);
			}
			const staff = await listStaff(trx);
			if (staff.some((s) => s.userId === person.id)) {
				return fieldError('email', 'Already on the staff: change their role in the list.', values);
			}
			await addStaff(trx, person.id, input.role);
			return { ok: `${input.email} joined the staff.` };
		}),
	change: (event) =>
		staffAction(
			event,
			'super_admin',
			changeStaffSchema,
			async (trx, { input, values }, { claims }) => {
				if (input.userId === claims.sub)
					return formError(400, 'You cannot change your own staff role.', values);
				return (await changeStaffRole(trx, input.userId, input.role))
					? { ok: 'Staff role changed.' }
					: formError(404, 'No such staff member.', values);
			}
		),
	remove: (event) =>
		staffAction(
			event,
			'super_admin',
			removeStaffSchema,
			async (trx, { input, values }, { claims }) => {
				if (input.userId === claims.sub)
					return formError(400, 'You cannot remove yourself from the staff.', values);
				return (await removeStaff(trx, input.userId))
					? { ok: 'Removed from the staff.' }
					: formError(404, 'No such staff member.', values);
			}
		)
};
