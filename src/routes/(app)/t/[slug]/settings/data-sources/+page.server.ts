import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { formError } from '$lib/server/platform/web/forms';
import { requireClaims } from '$lib/server/platform/web/actions';
import { tenantAction } from '$lib/server/tenancy/actions';
import {
	SOURCE_LIST,
	SourceError,
	createSource,
	createSourceQuery,
	deleteSource,
	pageSources,
	testSource
} from '$lib/server/bi/sources';
import { sourceIdSchema, sourceQuerySchema, sourceSchema } from '$lib/server/bi/sources/schemas';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * Data sources (docs/data-sources.md): the list for dashboards.read and data_sources.manage (names,
 * kinds, where they point; never a credential), and for data_sources.manage the create forms per
 * kind, "test connection" and delete; queries.manage saves a query over a source. SQL decides (RLS,
 * the owned secret's rules); the permissions here only choose what the page shows.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'data_sources.manage') && !can(permissions, 'dashboards.read'))
		error(403, 'Data sources need the dashboards.read or data_sources.manage permission.');
	const params = readList(url.searchParams, SOURCE_LIST);
	const config = (await ensureRuntime()).config;
	return withClaims(requireClaims(locals), async (trx) => ({
		sources: await pageSources(trx, tenant.id, params),
		canManage: can(permissions, 'data_sources.manage'),
		canQuery: can(permissions, 'queries.manage'),
		allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK
	}));
};

const NOT_FOUND = 'No such data source, or you may not change it (data_sources.manage).';

export const actions: Actions = {
	create: async (event) => {
		const config = (await ensureRuntime()).config;
		return tenantAction(event, sourceSchema, async (trx, tenant, { input }) => {
			await createSource(trx, config, tenant.id, input);
			return { ok: `Data source “${input.name}” added. Test its connection next.` };
		});
	},

	test: async (event) => {
		const config = (await ensureRuntime()).config;
		return tenantAction(event, sourceIdSchema, async (trx, tenant, { input, values }) => {
			const outcome = await testSource(trx, config, tenant.id, input.source);
			if (!outcome) return formError(404, NOT_FOUND, values);
			return outcome.ok
				? { ok: outcome.message }
				: formError(422, `The test failed: ${outcome.message}`, values);
		});
	},

	query: (event) =>
		tenantAction(event, sourceQuerySchema, async (trx, tenant, { input, values }) => {
			try {
				await createSourceQuery(trx, tenant.id, input);
			} catch (e) {
				if (e instanceof SourceError) return formError(400, e.message, values);
				throw e;
			}
			return { ok: `Query “${input.name}” saved: add it to a dashboard as a widget.` };
		}),

	delete: (event) =>
		tenantAction(event, sourceIdSchema, async (trx, tenant, { input, values }) =>
			(await deleteSource(trx, tenant.id, input.source))
				? { ok: 'Data source deleted, with its credential and its queries.' }
				: formError(404, NOT_FOUND, values)
		)
};
