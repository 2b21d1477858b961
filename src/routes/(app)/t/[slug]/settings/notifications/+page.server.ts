import { error } from '@sveltejs/kit';
import { listIntegrations } from '$lib/server/integrations/queries';
import {
	listKinds,
	removeSlackRoute,
	saveTenantSettings,
	setSlackRoute,
	slackRoutes,
	tenantSettings
} from '$lib/server/notifications/queries';
import {
	preferencesFormSchema,
	slackRemoveSchema,
	slackRouteSchema,
	tenantSettingChoices
} from '$lib/server/notifications/schemas';
import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { fieldError } from '$lib/server/platform/web/forms';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { MatrixRow } from '$lib/notifications/kinds';
import type { Actions, PageServerLoad } from './$types';

/**
 * What the organisation sends to its admins (the holders of each kind's permissions), in the app
 * and by email: notifications.manage (RLS on tenant_notification_settings). Each person's own
 * preferences still apply on top; the person an event is about is told regardless. A kind may
 * also go to a channel of one of the organisation's Slack integrations (the notifications.slack
 * queue posts it; SQL refuses an integration that is not the organisation's Slack, TN295).
 */
export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'notifications.manage'))
		error(403, 'Notification settings need the notifications.manage permission.');
	const { kinds, settings, routes, integrations } = await withClaims(
		requireClaims(locals),
		async (trx) => ({
			kinds: await listKinds(trx),
			settings: await tenantSettings(trx, tenant.id),
			routes: await slackRoutes(trx, tenant.id),
			integrations: can(permissions, 'integrations.read')
				? await listIntegrations(trx, tenant.id)
				: []
		})
	);
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
	const labels = new Map(rows.map((r) => [r.kind, r.label]));
	return {
		rows,
		slack: {
			integrations: integrations
				.filter((i) => i.type === 'slack' && i.status !== 'disconnected')
				.map((i) => ({ id: i.id, name: i.name })),
			routes: routes.map((r) => ({ ...r, label: labels.get(r.kind) ?? r.kind }))
		}
	};
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
		}),
	slack: (event) =>
		tenantAction(event, slackRouteSchema, async (trx, tenant, { input, values }) => {
			const kind = (await listKinds(trx)).find((k) => k.kind === input.kind);
			if (!kind || !kind.toAdmins || kind.locked) {
				return fieldError('kind', 'Choose a notification the organisation sends.', values);
			}
			await setSlackRoute(trx, tenant.id, {
				kind: input.kind,
				integrationId: input.slack_integration_id,
				channel: input.channel
			});
			return { ok: `${kind.label} is posted to ${input.channel} from now on.` };
		}),
	slackRemove: (event) =>
		tenantAction(event, slackRemoveSchema, async (trx, tenant, { input }) => ({
			ok: (await removeSlackRoute(trx, tenant.id, input.kind))
				? 'It is no longer posted to Slack.'
				: 'It was not posted to Slack.'
		}))
};
