import { error, redirect } from '@sveltejs/kit';
import { redirectWithToast } from '$lib/server/platform/web/flash';
import { archiveSchema, settingsSchema, timeZones } from '$lib/server/tenancy/settings-schemas';
import { withClaims } from '$lib/server/platform/db';
import { archiveTenant, isOwner, updateSettings } from '$lib/server/tenancy/settings';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import { formError } from '$lib/server/platform/web/forms';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
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

const OPTIONS = { explain: 'settings' } as const;

export const actions: Actions = {
	save: async (event) => {
		const done = await tenantAction(
			event,
			settingsSchema,
			async (trx, tenant, { input, values }) => {
				const permissions = await myPermissions(trx, tenant.id);
				const saved = await updateSettings(trx, tenant.id, tenant.branding, {
					...input,
					// Only people who manage security see the toggle; for others the value stays as it is.
					requireMfa: can(permissions, 'tenant.security.manage') ? input.requireMfa : undefined
				});
				if (!saved)
					return formError(403, 'You do not have permission to change these settings.', values);
				return { ok: 'Settings saved.', slug: input.slug };
			},
			OPTIONS
		);
		if (refused(done)) return done;
		if (done.slug !== event.params.slug) redirect(303, `/t/${done.slug}/settings?saved=1`);
		return { ok: done.ok };
	},
	archive: async (event) => {
		const confirmed = archiveSchema.refine((d) => d.confirm === event.params.slug, {
			path: ['confirm'],
			error: `Type the organisation’s address, ${event.params.slug}, to confirm.`
		});
		const done = await tenantAction(
			event,
			confirmed,
			(trx, tenant, { input }) => archiveTenant(trx, tenant.id, input.reason),
			OPTIONS
		);
		if (refused(done)) return done;
		redirectWithToast(event.cookies, '/app', 'Organisation archived.');
	}
};
