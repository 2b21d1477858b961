import { error } from '@sveltejs/kit';
import { csvFileName, resultCsv, runForPage } from '$lib/server/bi/export';
import { QueryRefused } from '$lib/server/bi/run';
import { queryRunSchema } from '$lib/server/bi/schemas';
import { SourceError } from '$lib/server/bi/sources/types';
import { withClaims } from '$lib/server/platform/db';
import { describeDbError } from '$lib/server/platform/errors';
import { requireClaims } from '$lib/server/platform/web/actions';
import { findTenantBySlug, myPermissions } from '$lib/server/tenancy/tenants';
import { can } from '$lib/tenancy/nav';
import type { RequestHandler } from './$types';

/**
 * The queries page's "Download CSV": the saved query run as the signed-in person (their session,
 * their RLS) with the page's time range (`range`) and parameters (`p.<name>`), as a CSV file.
 * Another tenant's query, or one this person cannot read, is a 404.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const claims = requireClaims(locals);
	const fields = Object.fromEntries(url.searchParams);
	const parsed = queryRunSchema.safeParse({ ...fields, query: params.query });
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		error(issue.path[0] === 'query' ? 404 : 400, issue.message);
	}
	const { query, range } = parsed.data;
	let ran;
	try {
		ran = await withClaims(claims, async (trx) => {
			const tenant = await findTenantBySlug(trx, params.slug);
			if (!tenant) return null;
			if (!can(await myPermissions(trx, tenant.id), 'dashboards.read')) {
				error(403, 'You do not have permission to run saved queries (it needs dashboards.read).');
			}
			return runForPage(trx, tenant.id, query, range, fields);
		});
	} catch (e) {
		if (e instanceof QueryRefused || e instanceof SourceError) error(400, e.message);
		const known = describeDbError(e);
		if (known) error(400, known.message);
		throw e;
	}
	if (!ran) error(404, 'No such query.');
	return new Response(resultCsv(ran.result.columns, ran.result.rows), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${csvFileName(ran.query, range)}"`,
			'cache-control': 'no-store'
		}
	});
};
