import { error } from '@sveltejs/kit';
import { listKinds, saveTenantSettings, tenantSettings } from '$lib/server/notifications/queries';
import { preferencesFormSchema, tenantSettingChoices } from '$lib/server/notifications/schemas';
import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { MatrixRow } from '$lib/notifications/kinds';
import type { Actions, PageServerLoad } from './$types';

/**
 * What the organisation sends to its admins (the holders of each kind's permissions), in the app
 * and by email: notifications.manage (RLS on tenant_notification_settings). Each person's own
 * preferences still apply on top; the person an event is about is told regardless.
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'notifications.manage'))
		error(403, 'Notification settings need the notifications.manage permission.');
	const { kinds, settings } = await withClaims(requireClaims(locals), async (trx) => ({
		kinds: await listKinds(trx),
		settings: await tenantSettings(trx, tenant.id)
	}));
	const rows: MatrixRow[] = kinds
		.filter((k) => k.toAdmins && !k.locked)
		.map((k) => {
			const set = settings.find((s) => s.kind === k.kind);
			return {
				kind: k.kind,
				category: k.category,
				label: k.label,
				recipients: k.recipients,
				locked: false,
				digestible: false,
				inApp: set?.inApp ?? true,
				email: set?.email ?? true,
				digest: 'off'
			};
		});
	return { rows };
};

export const actions: Actions = {
	save: (event) =>
		tenantAction(event, preferencesFormSchema, async (trx, tenant, { input }) => {
			const changed = await saveTenantSettings(
				trx,
				tenant.id,
				tenantSettingChoices(await listKinds(trx), input)
			);
			return {
				ok:
					changed === 0 ? 'Nothing changed.' : 'The organisation’s notification settings are saved.'
			};
		})
};
