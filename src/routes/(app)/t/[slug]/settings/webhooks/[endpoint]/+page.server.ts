import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import {
	dailySuccess,
	deleteEndpoint,
	DELIVERY_LIST,
	findEndpoint,
	listEventTypes,
	pageDeliveries,
	replayDelivery,
	sendTestEvent,
	setEndpointEnabled,
	updateEndpoint
} from '$lib/server/webhooks/queries';
import {
	deliveryIdSchema,
	enabledSchema,
	endpointIdSchema,
	rotateSchema
} from '$lib/server/webhooks/schemas';
import { endpointFormFor, reveal, rotate, webhookConfig } from '$lib/server/webhooks/service';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * One endpoint (docs/webhooks.md): its settings, on/off, its signing secret (revealed on request
 * only, each reveal audited), rotation with an overlap, a test event, the delivery log with every
 * attempt, replay, and the success rate per day. webhooks.manage throughout; SQL decides, and an
 * endpoint of another tenant is the same 404 as none.
 */
export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'webhooks.manage'))
		error(403, 'Webhooks need the webhooks.manage permission.');
	const list = readList(url.searchParams, DELIVERY_LIST);
	const config = await webhookConfig();
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const endpoint = await findEndpoint(trx, tenant.id, params.endpoint);
		if (!endpoint) return null;
		return {
			endpoint,
			deliveries: await pageDeliveries(trx, tenant.id, endpoint.id, list),
			daily: await dailySuccess(trx, tenant.id, endpoint.id),
			eventTypes: await listEventTypes(trx)
		};
	});
	if (!found) error(404, 'No such webhook endpoint.');
	return {
		...found,
		created: url.searchParams.has('created'),
		allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
		crumb: found.endpoint.url
	};
};

export const actions: Actions = {
	update: async (event) => {
		const config = await webhookConfig();
		return tenantAction(
			event,
			await endpointFormFor(event.request, config),
			async (trx, _t, { input }) => {
				await updateEndpoint(trx, event.params.endpoint, input);
				return { ok: 'The endpoint was saved.' };
			}
		);
	},
	enabled: (event) =>
		tenantAction(event, enabledSchema, async (trx, _t, { input }) => {
			await setEndpointEnabled(trx, input.endpoint, input.enabled);
			return {
				ok: input.enabled
					? 'The endpoint is on: new events are sent to it.'
					: 'The endpoint is off: nothing is sent to it, and what was waiting was given up.'
			};
		}),
	reveal: async (event) => {
		const config = await webhookConfig();
		return tenantAction(event, endpointIdSchema, async (trx, _t, { input }) => ({
			secret: await reveal(trx, config, input.endpoint)
		}));
	},
	rotate: async (event) => {
		const config = await webhookConfig();
		return tenantAction(event, rotateSchema, async (trx, tenant, { input }) => {
			await rotate(trx, config, { id: input.endpoint, tenantId: tenant.id }, input.overlap);
			return {
				ok:
					input.overlap === 0
						? 'The secret was rotated and the old one stopped signing. Reveal the new one to update your receiver.'
						: 'The secret was rotated; both sign until the overlap ends. Reveal the new one to update your receiver.'
			};
		});
	},
	test: (event) =>
		tenantAction(event, endpointIdSchema, async (trx, _t, { input }) => {
			await sendTestEvent(trx, input.endpoint);
			return { ok: 'A test event was queued for this endpoint: see it in the delivery log.' };
		}),
	replay: (event) =>
		tenantAction(event, deliveryIdSchema, async (trx, _t, { input }) => {
			await replayDelivery(trx, input.delivery);
			return { ok: 'The delivery is queued again, with the same body and webhook-id.' };
		}),
	delete: async (event) => {
		const result = await tenantAction(event, endpointIdSchema, async (trx, tenant, { input }) => {
			await deleteEndpoint(trx, input.endpoint);
			return { slug: tenant.slug };
		});
		if (refused(result)) return result;
		redirect(303, resolve('/(app)/t/[slug]/settings/webhooks', { slug: result.slug }));
	}
};
