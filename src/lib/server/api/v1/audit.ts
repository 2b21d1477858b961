/**
 * The audit log (audit.read): a keyset-paged list newest first with the audit page's filters, and
 * an export of everything the filters match as CSV or NDJSON (audit/export.ts), oldest first.
 */
import { z } from 'zod';
import { csvHeader, csvLine, ndjsonLine } from '../../audit/export';
import { exportBatch, listAuditLog, type AuditRow } from '../../audit/queries';
import { AUDIT_EXPORT_FORMATS, auditCursorSchema, auditFilterSchema } from '../../audit/schemas';
import { endpoint } from '../endpoint';
import { badCursor, decodeCursor, encodeCursor, pageOf, pageQuery } from '../paging';
import { ApiProblem } from '../problem';
import { iso, timestamp } from './shared';

export const auditEventSchema = z
	.object({
		id: z.string(),
		created_at: timestamp,
		actor_type: z.enum(['user', 'api_key', 'system']),
		actor_id: z.string().nullable(),
		actor_job: z.string().nullable(),
		actor_email: z.string().nullable(),
		action: z.string(),
		target_type: z.string().nullable(),
		target_id: z.string().nullable(),
		old_values: z.record(z.string(), z.unknown()).nullable(),
		new_values: z.record(z.string(), z.unknown()).nullable(),
		ip: z.string().nullable(),
		user_agent: z.string().nullable()
	})
	.meta({ id: 'AuditEvent' });

function eventJson(r: AuditRow): z.infer<typeof auditEventSchema> {
	return {
		id: r.id,
		created_at: iso(r.createdAt),
		actor_type: r.actorType,
		actor_id: r.actorId,
		actor_job: r.actorJob,
		actor_email: r.actorEmail,
		action: r.action,
		target_type: r.targetType,
		target_id: r.targetId,
		old_values: r.oldValues,
		new_values: r.newValues,
		ip: r.ip,
		user_agent: r.userAgent
	};
}

const filters = auditFilterSchema.shape;
const filterQuery = z.object({
	actor: filters.actor.meta({ description: 'Part of the acting person’s email address.' }),
	action: filters.action.meta({ description: 'The action, e.g. projects.create.' }),
	target_type: filters.target_type,
	target_id: filters.target_id,
	from: filters.from.meta({ description: 'First day (YYYY-MM-DD, the organisation’s time zone).' }),
	to: filters.to.meta({ description: 'Last day (YYYY-MM-DD).' })
});

function filterOf(query: z.output<typeof filterQuery>) {
	const parsed = auditFilterSchema.safeParse(query);
	if (parsed.success) return parsed.data;
	throw new ApiProblem('TN220', parsed.error.issues.map((i) => i.message).join(' '), {
		errors: parsed.error.issues.map((i) => ({
			field: ['query', ...i.path.map(String)].join('.'),
			message: i.message
		}))
	});
}

export const listAuditLogEndpoint = endpoint(
	{
		method: 'GET',
		path: '/audit-log',
		operationId: 'listAuditLog',
		summary: 'Audit events, newest first (audit.read)',
		tag: 'Audit log',
		query: pageQuery.extend(filterQuery.shape),
		response: pageOf(auditEventSchema, 'AuditEventPage')
	},
	async ({ trx, tenant, query }) => {
		const { limit, cursor, ...rest } = query;
		let before;
		if (cursor !== undefined) {
			const parsed = auditCursorSchema.safeParse(decodeCursor(cursor));
			before = parsed.success ? parsed.data : badCursor();
		}
		const page = await listAuditLog(trx, tenant, filterOf(rest), { before, limit });
		const last = page.rows[page.rows.length - 1];
		return {
			data: page.rows.map(eventJson),
			next_cursor: page.hasOlder && last ? encodeCursor(`${last.at}_${last.id}`) : null
		};
	}
);

const EXPORT_BATCH = 1000;

export const exportAuditLog = endpoint(
	{
		method: 'GET',
		path: '/audit-log/export',
		operationId: 'exportAuditLog',
		summary: 'Everything the filters match as CSV or NDJSON, oldest first (audit.read)',
		tag: 'Audit log',
		query: filterQuery.extend({
			format: z
				.enum(AUDIT_EXPORT_FORMATS, { error: 'Use format=csv or format=ndjson.' })
				.default('ndjson')
		}),
		media: {
			'text/csv': 'One row per event: the audit page’s columns.',
			'application/x-ndjson': 'One AuditEvent-like JSON object per line (the audit page’s export).'
		}
	},
	async ({ trx, tenant, query }) => {
		const { format, ...rest } = query;
		const filter = filterOf(rest);
		const parts: string[] = format === 'csv' ? [csvHeader()] : [];
		let after = null;
		for (;;) {
			const rows = await exportBatch(trx, tenant, filter, after, EXPORT_BATCH);
			for (const row of rows) parts.push(format === 'csv' ? csvLine(row) : ndjsonLine(row));
			if (rows.length < EXPORT_BATCH) break;
			const last = rows[rows.length - 1]!;
			after = { at: last.at, id: last.id };
		}
		return new Response(parts.join(''), {
			headers: {
				'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
				'content-disposition': `attachment; filename="audit-${tenant.slug}.${format}"`
			}
		});
	}
);
