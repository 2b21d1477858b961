import { error, redirect, type ActionFailure } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import { archiveSchema, settingsSchema, timeZones } from '$lib/server/tenancy/settings-schemas';
import { withClaims } from '$lib/server/platform/db';
import type { DB } from '$lib/server/platform/database';
import { describeDbError } from '$lib/server/platform/errors';
import {
	archiveTenant,
	explainSettingsError,
	isOwner,
	updateSettings
} from '$lib/server/tenancy/settings';
import { findTenantBySlug, myPermissions, type TenantDetail } from '$lib/server/tenancy/tenants';
import { fieldError, formError, parseForm, type FormFailure } from '$lib/server/platform/web/forms';
import { requireClaims } from '$lib/server/platform/web/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'tenant.update') && !can(permissions, 'domains.manage')) {
		error(403, 'Organisation settings need the tenant.update permission.');
	}
	return {
		timeZones: timeZones(),
		owner: await withClaims(requireClaims(locals), (trx) => isOwner(trx, tenant.id))
	};
};

/** Runs a settings write as the caller; refusals come back with the values kept. */
async function write(
	locals: App.Locals,
	slug: string,
	values: Record<string, string>,
	run: (trx: Transaction<DB>, tenant: TenantDetail, permissions: string[]) => Promise<boolean>
): Promise<ActionFailure<FormFailure> | null> {
	try {
		const done = await withClaims(requireClaims(locals), async (trx) => {
			const tenant = await findTenantBySlug(trx, slug);
			if (!tenant) error(404, 'Not found');
			return run(trx, tenant, await myPermissions(trx, tenant.id));
		});
		return done
			? null
			: formError(403, 'You do not have permission to change these settings.', values);
	} catch (e) {
		const known = explainSettingsError(e) ?? describeDbError(e);
		if (!known) throw e;
		return known.field
			? fieldError(known.field, known.message, values)
			: formError(400, known.message, values);
	}
}

export const actions: Actions = {
	save: async ({ request, locals, params }) => {
		const form = await parseForm(request, settingsSchema);
		if (!form.ok) return form.failure;
		const refused = await write(locals, params.slug, form.values, (trx, tenant, permissions) =>
			updateSettings(trx, tenant.id, tenant.branding, {
				...form.data,
				// Only people who manage security see the toggle; for others the value stays as it is.
				requireMfa: can(permissions, 'tenant.security.manage') ? form.data.requireMfa : undefined
			})
		);
		if (refused) return refused;
		if (form.data.slug !== params.slug) redirect(303, `/t/${form.data.slug}/settings?saved=1`);
		return { ok: 'Settings saved.' };
	},
	archive: async ({ request, locals, params }) => {
		const confirmed = archiveSchema.refine((d) => d.confirm === params.slug, {
			path: ['confirm'],
			error: `Type the organisation’s address, ${params.slug}, to confirm.`
		});
		const form = await parseForm(request, confirmed);
		if (!form.ok) return form.failure;
		const refused = await write(locals, params.slug, form.values, async (trx, tenant) => {
			await archiveTenant(trx, tenant.id, form.data.reason);
			return true;
		});
		if (refused) return refused;
		redirect(303, '/app');
	}
};
