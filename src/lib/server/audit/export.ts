/**
 * The audit log as a file: CSV for spreadsheets, NDJSON for tools. Both are written row by row, so
 * an export of any size streams in constant memory.
 */
import type { AuditRow } from './queries';

export const CSV_COLUMNS = [
	'id',
	'created_at',
	'actor_type',
	'actor',
	'action',
	'target_type',
	'target_id',
	'old_values',
	'new_values',
	'ip',
	'user_agent'
] as const;

/**
 * One CSV cell. Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return,
 * which some strip first) as a formula, so such a cell gets a leading apostrophe (OWASP's advice);
 * every cell is quoted, so commas, quotes and line breaks stay inside it.
 */
export function csvCell(value: string | null): string {
	if (value === null) return '';
	const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
	return `"${safe.replace(/"/g, '""')}"`;
}

/** Who acted, as a person reads it: their address, else the job, else the id. */
export function actorLabel(row: AuditRow): string {
	return row.actorEmail ?? row.actorJob ?? row.actorId ?? row.actorType;
}

function values(row: AuditRow): Record<(typeof CSV_COLUMNS)[number], string | null> {
	return {
		id: row.id,
		created_at: row.at,
		actor_type: row.actorType,
		actor: actorLabel(row),
		action: row.action,
		target_type: row.targetType,
		target_id: row.targetId,
		old_values: row.oldValues === null ? null : JSON.stringify(row.oldValues),
		new_values: row.newValues === null ? null : JSON.stringify(row.newValues),
		ip: row.ip,
		user_agent: row.userAgent
	};
}

export function csvHeader(): string {
	return CSV_COLUMNS.join(',') + '\r\n';
}

export function csvLine(row: AuditRow): string {
	const cells = values(row);
	return CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',') + '\r\n';
}

export function ndjsonLine(row: AuditRow): string {
	return (
		JSON.stringify({
			id: row.id,
			tenant_id: row.tenantId,
			created_at: row.at,
			actor_type: row.actorType,
			actor_id: row.actorId,
			actor_email: row.actorEmail,
			actor_job: row.actorJob,
			action: row.action,
			target_type: row.targetType,
			target_id: row.targetId,
			old_values: row.oldValues,
			new_values: row.newValues,
			ip: row.ip,
			user_agent: row.userAgent
		}) + '\n'
	);
}
