import { addStaffSchema, changeStaffSchema, removeStaffSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import {
	addStaff,
	changeStaffRole,
	findProfileIdByEmail,
	isStaff,
	listStaff,
	removeStaff,
	STAFF_LIST,
	staffMember
} from '$lib/server/admin/staff';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { staffAction } from '$lib/server/admin/guard';
import { STAFF_ROLE_LABELS } from '../nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent, url }) => {
	await parent();
	const params = readList(url.searchParams, STAFF_LIST);
	return { staff: await withClaims(locals.claims, (trx) => listStaff(trx, params)) };
};

/**
 * super_admin only (RLS on platform_staff). The console never lets a super_admin remove or demote
 * themselves, so the one acting always remains: the platform cannot be left without a super_admin
 * from here. Every change is audited by the table's triggers; a change or a removal answers with
 * its undo (the previous role, adding the person back).
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
			if (await isStaff(trx, person.id)) {
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
				const before = await staffMember(trx, input.userId);
				if (!before || !(await changeStaffRole(trx, input.userId, input.role)))
					return formError(404, 'No such staff member.', values);
				return {
					ok: `Staff role changed: ${before.email} is now ${STAFF_ROLE_LABELS[input.role]}.`,
					undo: { action: '?/change', fields: { userId: input.userId, role: before.role } }
				};
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
				const before = await staffMember(trx, input.userId);
				if (!before || !(await removeStaff(trx, input.userId)))
					return formError(404, 'No such staff member.', values);
				return {
					ok: 'Removed from the staff.',
					undo: { action: '?/add', fields: { email: before.email, role: before.role } }
				};
			}
		)
};
