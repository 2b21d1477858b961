import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { refused, requireClaims } from '$lib/server/platform/web/actions';
import {
	deleteIntegration,
	disconnectIntegration,
	EVENT_LIST,
	findIntegration,
	findWorkspace,
	listChannels,
	listRepos,
	pageEvents,
	replayEvent,
	secretIds
} from '$lib/server/integrations/queries';
import {
	eventIdSchema,
	integrationIdSchema,
	integrationSettingsFor,
	withoutSecrets
} from '$lib/server/integrations/schemas';
import {
	inboundUrl,
	integrationsConfig,
	testIntegration,
	updateIntegration
} from '$lib/server/integrations/service';
import { revealSecret } from '$lib/server/secrets/service';
import { tenantAction } from '$lib/server/tenancy/actions';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * One integration (docs/integrations.md): its status and last error, the connection test with the
 * result per check, the inbound URL and its signing secret (revealed on request with
 * secrets.reveal, audited), the recent inbound events with replay, the cached repositories or
 * channels, the settings (a secret left empty is kept), disconnect and delete. integrations.read
 * to see it, integrations.manage to act; SQL decides, and another tenant's is the same 404.
 */
export const load: PageServerLoad = async ({ locals, parent, params, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'integrations.read'))
		error(403, 'Integrations need the integrations.read permission.');
	const list = readList(url.searchParams, EVENT_LIST);
	const config = await integrationsConfig();
	const found = await withClaims(requireClaims(locals), async (trx) => {
		const integration = await findIntegration(trx, params.integration, tenant.id);
		if (!integration) return null;
		return {
			integration,
			secrets: Object.keys(await secretIds(trx, integration.id)).sort(),
			events: await pageEvents(trx, integration.id, list),
			repos: integration.type === 'github' ? await listRepos(trx, integration.id) : [],
			channels: integration.type === 'slack' ? await listChannels(trx, integration.id) : [],
			workspace: integration.type === 'slack' ? await findWorkspace(trx, integration.id) : null
		};
	});
	if (!found) error(404, 'No such integration.');
	return {
		...found,
		inboundUrl: inboundUrl(config.PUBLIC_URL, found.integration),
		canManage: can(permissions, 'integrations.manage'),
		crumb: found.integration.name
	};
};

const SIGNING_SECRET: Record<string, string> = {
	github: 'webhook_secret',
	slack: 'signing_secret',
	generic_webhook: 'signing_secret'
};

async function integrationOf(
	trx: Parameters<typeof findIntegration>[0],
	id: string,
	tenantId: string
) {
	const integration = await findIntegration(trx, id, tenantId);
	if (!integration) error(404, 'No such integration.');
	return integration;
}

export const actions: Actions = {
	test: async (event) => {
		const config = await integrationsConfig();
		return tenantAction(event, integrationIdSchema, async (trx, tenant, { input }) => {
			const result = await testIntegration(
				trx,
				config,
				await integrationOf(trx, input.integration, tenant.id)
			);
			return {
				ok: result.ok ? 'The connection test passed.' : 'The connection test failed.',
				checks: result.checks
			};
		});
	},
	update: async (event) => {
		const config = await integrationsConfig();
		const current = await withClaims(requireClaims(event.locals), (trx) =>
			findIntegration(trx, event.params.integration)
		);
		if (!current) error(404, 'No such integration.');
		const result = await tenantAction(
			event,
			integrationSettingsFor(current.type),
			async (trx, tenant, { input }) => {
				await updateIntegration(
					trx,
					config,
					await integrationOf(trx, current.id, tenant.id),
					input
				);
				return { ok: 'The integration was saved. Test the connection to check it.' };
			}
		);
		return refused(result) ? withoutSecrets(result) : result;
	},
	reveal: async (event) => {
		const config = await integrationsConfig();
		return tenantAction(event, integrationIdSchema, async (trx, tenant, { input }) => {
			const integration = await integrationOf(trx, input.integration, tenant.id);
			const name = SIGNING_SECRET[integration.type];
			const secretId = name ? (await secretIds(trx, integration.id))[name] : undefined;
			if (!secretId) error(404, 'This integration has no signing secret.');
			return { secret: await revealSecret(trx, config, { tenantId: tenant.id, secretId }) };
		});
	},
	replay: (event) =>
		tenantAction(event, eventIdSchema, async (trx, _t, { input }) => {
			await replayEvent(trx, input.event);
			return { ok: 'The event is queued to be processed again.' };
		}),
	disconnect: (event) =>
		tenantAction(event, integrationIdSchema, async (trx, _t, { input }) => {
			await disconnectIntegration(trx, input.integration);
			return {
				ok: 'The integration is disconnected: its secrets and caches are deleted. Enter its secrets again to reconnect.'
			};
		}),
	delete: async (event) => {
		const result = await tenantAction(
			event,
			integrationIdSchema,
			async (trx, tenant, { input }) => {
				await deleteIntegration(trx, input.integration);
				return tenant.slug;
			}
		);
		if (refused(result)) return result;
		redirect(303, resolve('/(app)/t/[slug]/settings/integrations', { slug: result }));
	}
};
