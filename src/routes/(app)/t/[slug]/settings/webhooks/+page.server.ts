import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import { ENDPOINT_LIST, listEventTypes, pageEndpoints } from '$lib/server/webhooks/queries';
import { createWithSecret, endpointFormFor, webhookConfig } from '$lib/server/webhooks/service';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Webhook endpoints (docs/webhooks.md): the list and the create form, for holders of
 * webhooks.manage — SQL decides (RLS and the webhook RPCs); the permission here only chooses
 * whether the page is shown. A new endpoint's page opens on its signing secret.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'webhooks.manage'))
		error(403, 'Webhooks need the webhooks.manage permission.');
	const params = readList(url.searchParams, ENDPOINT_LIST);
	const config = await webhookConfig();
	return withClaims(requireClaims(locals), async (trx) => ({
		endpoints: await pageEndpoints(trx, tenant.id, params),
		eventTypes: await listEventTypes(trx),
		allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK
	}));
};

export const actions: Actions = {
	create: async (event) => {
		const config = await webhookConfig();
		const result = await tenantAction(
			event,
			await endpointFormFor(event.request, config),
			async (trx, tenant, { input }) => ({
				id: await createWithSecret(trx, config, tenant.id, input),
				slug: tenant.slug
			})
		);
		if (refused(result)) return result;
		redirect(
			303,
			`${resolve('/(app)/t/[slug]/settings/webhooks/[endpoint]', { slug: result.slug, endpoint: result.id })}?created=1`
		);
	}
};
