import { error, redirect } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { formError } from '$lib/server/platform/web/forms';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import {
	customizeHome,
	addWidget,
	createShare,
	dashboardData,
	deleteDashboard,
	getDashboard,
	listSavedQueries,
	listShares,
	removeWidget,
	revokeShare,
	takeSnapshot,
	updateDashboard
} from '$lib/server/bi/queries';
import {
	addWidgetSchema,
	dashboardSettingsSchema,
	layoutSchema,
	revokeShareSchema,
	shareSchema,
	widgetSchema
} from '$lib/server/bi/schemas';
import { TIME_RANGES, type TimeRange } from '$lib/bi/metrics';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

const NOT_CHANGED = 'No such dashboard, or you may not change it (dashboards.manage).';

export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'dashboards.read'))
		error(403, 'You do not have permission to see dashboards.');
	const claims = requireClaims(locals);
	return withClaims(claims, async (trx) => {
		const found = await getDashboard(trx, tenant.id, params.dashboard);
		if (!found) error(404, 'No such dashboard.');
		const asked = url.searchParams.get('range');
		const range: TimeRange = (TIME_RANGES as readonly string[]).includes(asked ?? '')
			? (asked as TimeRange)
			: found.dashboard.timeRange;
		const manage = can(permissions, 'dashboards.manage');
		return {
			...found,
			range,
			data: await dashboardData(trx, found.widgets, {
				tenantId: tenant.id,
				viewer: claims.sub,
				range,
				permissions
			}),
			loadedAt: new Date().toISOString(),
			savedQueries: manage ? await listSavedQueries(trx, tenant.id) : [],
			shares: manage ? await listShares(trx, tenant.id, found.dashboard.id) : []
		};
	});
};

async function mayManage(trx: Parameters<typeof myPermissions>[0], tenantId: string) {
	return can(await myPermissions(trx, tenantId), 'dashboards.manage');
}

export const actions: Actions = {
	layout: (event) =>
		tenantAction(event, layoutSchema, async (trx, tenant, { input, values }) =>
			(await updateDashboard(trx, tenant.id, event.params.dashboard, { layout: input.layout }))
				? { ok: 'Layout saved.' }
				: formError(404, NOT_CHANGED, values)
		),

	settings: (event) =>
		tenantAction(event, dashboardSettingsSchema, async (trx, tenant, { input, values }) =>
			(await updateDashboard(trx, tenant.id, event.params.dashboard, input))
				? { ok: 'Dashboard saved.' }
				: formError(404, NOT_CHANGED, values)
		),

	addWidget: (event) =>
		tenantAction(event, addWidgetSchema, async (trx, tenant, { input, values }) => {
			if (!(await mayManage(trx, tenant.id)))
				return formError(403, DB_ERROR_MESSAGES.TN002!.message, values);
			return (await addWidget(trx, tenant.id, event.params.dashboard, input))
				? { ok: `Widget “${input.title}” added.` }
				: formError(404, NOT_CHANGED, values);
		}),

	removeWidget: (event) =>
		tenantAction(event, widgetSchema, async (trx, tenant, { input, values }) =>
			(await removeWidget(trx, tenant.id, event.params.dashboard, input.widget))
				? { ok: 'Widget removed.' }
				: formError(404, NOT_CHANGED, values)
		),

	share: (event) =>
		tenantAction(event, shareSchema, async (trx, tenant, { input, values }) => {
			const permissions = await myPermissions(trx, tenant.id);
			if (!can(permissions, 'dashboards.manage'))
				return formError(403, DB_ERROR_MESSAGES.TN002!.message, values);
			const found = await getDashboard(trx, tenant.id, event.params.dashboard);
			if (!found || found.dashboard.virtual) return formError(404, NOT_CHANGED, values);
			// The sharer's view now, under their rights: the link never runs a query.
			const snapshot = await takeSnapshot(trx, found, {
				tenantId: tenant.id,
				viewer: event.locals.claims!.sub,
				range: found.dashboard.timeRange,
				permissions
			});
			const token = await createShare(
				trx,
				tenant.id,
				found.dashboard.id,
				snapshot,
				input.origins,
				input.refresh
			);
			return {
				ok: 'Link created. Copy it now: it is shown once.',
				link: `${event.url.origin}/share/${token}`
			};
		}),

	revoke: (event) =>
		tenantAction(event, revokeShareSchema, async (trx, tenant, { input, values }) =>
			(await revokeShare(trx, tenant.id, input.share))
				? { ok: 'Link revoked.' }
				: formError(404, 'No such link, or it was revoked already.', values)
		),

	customize: async (event) => {
		const result = await tenantAction(event, null, async (trx, tenant) => ({
			id: await customizeHome(trx, tenant.id)
		}));
		if (refused(result)) return result;
		redirect(303, `/t/${event.params.slug}/dashboards/${result.id}?edit=1`);
	},

	delete: async (event) => {
		const result = await tenantAction(event, null, async (trx, tenant) =>
			(await deleteDashboard(trx, tenant.id, event.params.dashboard))
				? { ok: 'Dashboard deleted.' }
				: formError(404, NOT_CHANGED, {})
		);
		if (refused(result)) return result;
		redirect(303, `/t/${event.params.slug}/dashboards`);
	}
};
