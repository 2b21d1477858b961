import { error } from '@sveltejs/kit';
import { withStaff } from '$lib/server/admin/guard';
import { csvHeader, csvLine, ndjsonLine } from '$lib/server/audit/export';
import { exportBatch, type AuditRow } from '$lib/server/audit/queries';
import { AUDIT_EXPORT_FORMATS, type AuditExportFormat } from '$lib/server/audit/schemas';
import { CONSOLE_AUDIT_ZONE, parseConsoleAuditQuery } from '$lib/server/governance/audit';
import { withClaims } from '$lib/server/platform/db';
import type { RequestHandler } from './$types';

const BATCH = 500;
const TYPES: Record<AuditExportFormat, string> = {
	csv: 'text/csv; charset=utf-8',
	ndjson: 'application/x-ndjson; charset=utf-8'
};

/**
 * The console's filtered audit log as a file, oldest first (support staff): the organisation's
 * export (/t/<slug>/audit/export), each batch in its own short transaction as the staff member.
 * NDJSON names each row's organisation (tenant_id); CSV keeps the organisation's columns.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	const format = url.searchParams.get('format') as AuditExportFormat;
	if (!AUDIT_EXPORT_FORMATS.includes(format)) error(400, 'Choose format=csv or format=ndjson.');
	const query = await withStaff(locals, url, 'support', (trx) =>
		parseConsoleAuditQuery(trx, url.searchParams)
	);
	if (!query.ok) error(400, Object.values(query.errors).flat().join(' '));
	const scope = { id: query.tenantId, timezone: CONSOLE_AUDIT_ZONE };
	const encoder = new TextEncoder();
	const line = format === 'csv' ? csvLine : ndjsonLine;
	let last: AuditRow | null = null;
	let started = false;
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (!started && format === 'csv') controller.enqueue(encoder.encode(csvHeader()));
			started = true;
			const after = last ? { at: last.at, id: last.id } : null;
			const rows = await withClaims(locals.claims, (trx) =>
				exportBatch(trx, scope, query.filter, after, BATCH)
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
			'content-disposition': `attachment; filename="platform-audit-${day}.${format}"`,
			'cache-control': 'no-store'
		}
	});
};
