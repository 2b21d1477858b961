import { error } from '@sveltejs/kit';
import {
	AUDIT_EXPORT_FORMATS,
	parseAuditQuery,
	type AuditExportFormat
} from '$lib/server/audit/schemas';
import { csvHeader, csvLine, ndjsonLine } from '$lib/server/audit/export';
import { withClaims } from '$lib/server/platform/db';
import { exportBatch, type AuditRow } from '$lib/server/audit/queries';
import { findTenantBySlug, myPermissions } from '$lib/server/tenancy/tenants';
import { requireClaims } from '$lib/server/platform/web/actions';
import type { RequestHandler } from './$types';

const BATCH = 500;

const TYPES: Record<AuditExportFormat, string> = {
	csv: 'text/csv; charset=utf-8',
	ndjson: 'application/x-ndjson; charset=utf-8'
};

/**
 * The filtered audit log as a file, oldest first. Each batch is read in its own short transaction
 * under the person's claims (RLS decides every time), resuming after the last row sent, so a large
 * export streams with backpressure and holds no transaction open while the client reads.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const claims = requireClaims(locals);
	const format = url.searchParams.get('format') as AuditExportFormat;
	if (!AUDIT_EXPORT_FORMATS.includes(format)) error(400, 'Choose format=csv or format=ndjson.');
	const query = parseAuditQuery(url.searchParams);
	if (!query.ok) error(400, Object.values(query.errors).flat().join(' '));
	const tenant = await withClaims(claims, async (trx) => {
		const found = await findTenantBySlug(trx, params.slug);
		if (!found) return null;
		return { ...found, permissions: await myPermissions(trx, found.id) };
	});
	if (!tenant) error(404, 'Not found');
	if (!tenant.permissions.includes('audit.read')) {
		error(403, 'You do not have permission to export the audit log (it needs audit.read).');
	}
	if (tenant.requireMfa && claims.aal !== 'aal2') {
		error(403, 'This organisation requires two-factor authentication: verify a code first.');
	}

	const encoder = new TextEncoder();
	const line = format === 'csv' ? csvLine : ndjsonLine;
	let last: AuditRow | null = null;
	let started = false;
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (!started && format === 'csv') controller.enqueue(encoder.encode(csvHeader()));
			started = true;
			const after = last ? { at: last.at, id: last.id } : null;
			const rows = await withClaims(claims, (trx) =>
				exportBatch(trx, tenant, query.filter, after, BATCH)
			);
			if (rows.length > 0) {
				controller.enqueue(encoder.encode(rows.map(line).join('')));
				last = rows.at(-1)!;
			}
			if (rows.length < BATCH) controller.close();
		}
	});
	const day = new Date().toISOString().slice(0, 10);
	return new Response(body, {
		headers: {
			'content-type': TYPES[format],
			'content-disposition': `attachment; filename="${tenant.slug}-audit-${day}.${format}"`,
			'cache-control': 'no-store'
		}
	});
};
