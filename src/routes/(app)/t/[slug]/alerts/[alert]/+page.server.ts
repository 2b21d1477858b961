import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import {
	alertChoices,
	deleteAlert,
	evaluateNow,
	getAlert,
	listAlertEvents,
	setAlertQuiet,
	updateAlert
} from '$lib/server/bi/alerts/queries';
import {
	alertFormSchema,
	alertIdSchema,
	muteSchema,
	snoozeSchema
} from '$lib/server/bi/alerts/schemas';
import { withClaims } from '$lib/server/platform/db';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * One alert (docs/bi-alerts.md): its settings (alerts.manage edits), mute, snooze, "Evaluate now"
 * (a bi.alerts job on the queue), delete, and its history — firings, resolutions, scheduled sends.
 */
export const load: PageServerLoad = async ({ locals, parent, params }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'dashboards.read'))
		error(403, 'Alerts need the dashboards.read permission.');
	return withClaims(requireClaims(locals), async (trx) => {
		const alert = await getAlert(trx, tenant.id, params.alert);
		if (!alert) error(404, 'No such alert, or you may not see it.');
		return {
			alert,
			events: await listAlertEvents(trx, tenant.id, alert.id, 100),
			choices: await alertChoices(trx, tenant.id),
			canManage: can(permissions, 'alerts.manage')
		};
	});
};

const forbidden = () => error(403, 'Changing alerts needs the alerts.manage permission.');

export const actions: Actions = {
	update: (event) =>
		tenantAction(event, alertFormSchema, async (trx, tenant, { input }) => {
			if (!(await updateAlert(trx, tenant.id, event.params.alert, input))) forbidden();
			return { ok: 'Alert saved. The next evaluation uses the new settings.' };
		}),
	evaluate: (event) =>
		tenantAction(event, alertIdSchema, async (trx, _tenant, { input }) => {
			await evaluateNow(trx, input.alert);
			return { ok: 'Evaluation queued: the state and history update in a moment.' };
		}),
	mute: (event) =>
		tenantAction(event, muteSchema, async (trx, tenant, { input }) => {
			if (!(await setAlertQuiet(trx, tenant.id, input.alert, { muted: input.muted }))) forbidden();
			return { ok: input.muted ? 'Muted: events are recorded, nobody is told.' : 'Unmuted.' };
		}),
	snooze: (event) =>
		tenantAction(event, snoozeSchema, async (trx, tenant, { input }) => {
			const until = input.hours === 0 ? null : new Date(Date.now() + input.hours * 3_600_000);
			if (!(await setAlertQuiet(trx, tenant.id, input.alert, { snoozedUntil: until }))) forbidden();
			return { ok: until ? `Snoozed for ${input.hours} hours.` : 'Snooze ended.' };
		}),
	delete: async (event) => {
		const result = await tenantAction(event, alertIdSchema, async (trx, tenant, { input }) => {
			if (!(await deleteAlert(trx, tenant.id, input.alert))) forbidden();
			return { slug: tenant.slug };
		});
		if (refused(result)) return result;
		redirect(303, `${resolve('/(app)/t/[slug]/alerts', { slug: result.slug })}?deleted=1`);
	}
};
