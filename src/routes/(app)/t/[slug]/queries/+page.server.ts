import { error } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { requireClaims } from '$lib/server/platform/web/actions';
import { fieldError, formError } from '$lib/server/platform/web/forms';
import { tenantAction } from '$lib/server/tenancy/actions';
import { myPermissions } from '$lib/server/tenancy/tenants';
import { runForPage } from '$lib/server/bi/export';
import { createSavedQuery, deleteSavedQuery, listSavedQueries } from '$lib/server/bi/queries';
import { QueryRefused } from '$lib/server/bi/run';
import { SourceError } from '$lib/server/bi/sources/types';
import {
	builderSchema,
	queryIdSchema,
	queryRunSchema,
	savedQuerySchema
} from '$lib/server/bi/schemas';
import { buildQuery } from '$lib/bi/builder';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, parent }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'dashboards.read'))
		error(403, 'You do not have permission to see saved queries.');
	return {
		queries: await withClaims(requireClaims(locals), (trx) => listSavedQueries(trx, tenant.id))
	};
};

const NOT_FOUND = 'No such query, or you may not change it (queries.manage).';

export const actions: Actions = {
	create: (event) =>
		tenantAction(event, savedQuerySchema, async (trx, tenant, { input }) => {
			await createSavedQuery(trx, tenant.id, { ...input, mode: 'sql' });
			return { ok: `Query “${input.name}” saved.` };
		}),

	build: (event) =>
		tenantAction(event, builderSchema, async (trx, tenant, { input, values }) => {
			const built = buildQuery(input);
			if ('error' in built) return fieldError('groupBy', built.error, values);
			await createSavedQuery(trx, tenant.id, {
				name: input.name,
				mode: 'builder',
				sql: built.sql,
				builder: input,
				parameters: built.parameters.map((p) => ({ ...p, default: built.values[p.name] ?? null }))
			});
			return { ok: `Query “${input.name}” saved.` };
		}),

	run: (event) =>
		tenantAction(event, queryRunSchema, async (trx, tenant, { input, values }) => {
			try {
				const ran = await runForPage(trx, tenant.id, input.query, input.range, values);
				if (!ran) return formError(404, NOT_FOUND, values);
				return {
					ok: `Ran “${ran.query.name}” in ${ran.result.elapsedMs} ms.`,
					result: { id: ran.query.id, ...ran.result }
				};
			} catch (error) {
				if (error instanceof QueryRefused || error instanceof SourceError)
					return formError(400, error.message, values);
				throw error;
			}
		}),

	delete: (event) =>
		tenantAction(event, queryIdSchema, async (trx, tenant, { input, values }) => {
			if (!can(await myPermissions(trx, tenant.id), 'queries.manage')) {
				return formError(403, DB_ERROR_MESSAGES.TN002!.message, values);
			}
			return (await deleteSavedQuery(trx, tenant.id, input.query))
				? { ok: 'Query deleted.' }
				: formError(404, NOT_FOUND, values);
		})
};
