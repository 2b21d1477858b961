import { addStaffSchema, changeStaffSchema, removeStaffSchema } from '$lib/admin/schemas';
import { withClaims } from '$lib/server/platform/db';
import {
	addStaff,
	changeStaffRole,
	findProfileIdByEmail,
	listStaff,
	removeStaff
} from '$lib/server/admin/staff';
import { mutate } from '$lib/server/platform/web/actions';
import { fieldError, formError, parseForm } from '$lib/server/platform/web/forms';
import { requireStaff } from '../guard.server';
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
	add: async ({ locals, request, url }) => {
		await requireStaff(locals, url, 'super_admin');
		const form = await parseForm(request, addStaffSchema);
		if (!form.ok) return form.failure;
		const result = await mutate(locals, form.values, async (trx) => {
			const person = await findProfileIdByEmail(trx, form.data.email);
			if (!person) return 'unknown' as const;
			const staff = await listStaff(trx);
			if (staff.some((s) => s.userId === person.id)) return 'already' as const;
			await addStaff(trx, person.id, form.data.role);
			return 'added' as const;
		});
		if (!result.ok) return result.failure;
		if (result.value === 'unknown')
			return fieldError(
				'email',
				'Nobody has an account with that email: ask them to sign up first.',
				form.values
			);
		if (result.value === 'already')
			return fieldError(
				'email',
				'Already on the staff: change their role in the list.',
				form.values
			);
		return { ok: `${form.data.email} joined the staff.` };
	},
	change: async ({ locals, request, url }) => {
		const { claims } = await requireStaff(locals, url, 'super_admin');
		const form = await parseForm(request, changeStaffSchema);
		if (!form.ok) return form.failure;
		if (form.data.userId === claims.sub)
			return formError(400, 'You cannot change your own staff role.', form.values);
		const result = await mutate(locals, form.values, (trx) =>
			changeStaffRole(trx, form.data.userId, form.data.role)
		);
		if (!result.ok) return result.failure;
		if (!result.value) return formError(404, 'No such staff member.', form.values);
		return { ok: 'Staff role changed.' };
	},
	remove: async ({ locals, request, url }) => {
		const { claims } = await requireStaff(locals, url, 'super_admin');
		const form = await parseForm(request, removeStaffSchema);
		if (!form.ok) return form.failure;
		if (form.data.userId === claims.sub)
			return formError(400, 'You cannot remove yourself from the staff.', form.values);
		const result = await mutate(locals, form.values, (trx) => removeStaff(trx, form.data.userId));
		if (!result.ok) return result.failure;
		if (!result.value) return formError(404, 'No such staff member.', form.values);
		return { ok: 'Removed from the staff.' };
	}
};
