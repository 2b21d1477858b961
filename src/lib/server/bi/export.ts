/**
 * Running a saved query as a person on the queries page — the Run button and the CSV download
 * (`queries/[query]/csv`) share it — and writing a result as CSV (the REST run's `format=csv` too).
 * The run is the dashboards' own (sources/dispatch.ts): the built-in analytics views or the
 * query's data source, under the caller's claims and RLS, with the query's timeout and row limit.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { csvCell } from '../audit/export';
import { getSavedQuery, rangeBounds, type SavedQuery } from './queries';
import type { QueryRun } from './run';
import { runSavedQuery } from './sources/dispatch';
import type { TimeRange } from '$lib/bi/metrics';

/** The prefix of a parameter's field on the page and in the download's address. */
export const PARAMETER_FIELD = 'p.';

/** The declared parameters' values among a form's fields or an address's query (`p.<name>`). */
export function parameterValues(
	query: Pick<SavedQuery, 'parameters'>,
	fields: Record<string, string>
): Record<string, string> {
	const values: Record<string, string> = {};
	for (const p of query.parameters) {
		const value = fields[PARAMETER_FIELD + p.name];
		if (value !== undefined && value !== '') values[p.name] = value;
	}
	return values;
}

/**
 * The query `id` of the tenant run with the given time range and fields, or null when there is no
 * such query for this caller (RLS: another tenant's id is the same as none). Refusals of the
 * runner (QueryRefused, SourceError) and the database (TN codes) are thrown for the caller to word.
 */
export async function runForPage(
	trx: Transaction<DB>,
	tenantId: string,
	id: string,
	range: TimeRange,
	fields: Record<string, string>
): Promise<{ query: SavedQuery; result: QueryRun } | null> {
	const query = await getSavedQuery(trx, tenantId, id);
	if (!query) return null;
	const result = await runSavedQuery(trx, query, {
		tenantId,
		parameters: query.parameters,
		values: parameterValues(query, fields),
		range: rangeBounds(range),
		rowLimit: query.rowLimit,
		timeoutMs: query.timeoutMs
	});
	return { query, result };
}

function cellText(v: unknown): string | null {
	if (v === null || v === undefined) return null;
	if (v instanceof Date) return v.toISOString();
	if (typeof v === 'object') return JSON.stringify(v);
	return String(v);
}

/**
 * RFC 4180: a header row, then one line per row, every field quoted (quotes doubled), CRLF line
 * ends; a cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe so a
 * spreadsheet shows it as text instead of running it as a formula (audit/export.ts csvCell).
 */
export function resultCsv(columns: string[], rows: Record<string, unknown>[]): string {
	return (
		[columns, ...rows.map((r) => columns.map((c) => r[c]))]
			.map((line) => line.map((v) => csvCell(cellText(v))).join(','))
			.join('\r\n') + '\r\n'
	);
}

/** A file name for the download: the query's name in plain letters, digits and dashes. */
export function csvFileName(query: Pick<SavedQuery, 'name'>, range: TimeRange): string {
	const base =
		query.name
			.normalize('NFKD')
			.replace(/[^A-Za-z0-9]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.toLowerCase()
			.slice(0, 60) || 'query';
	return `${base}-${range}.csv`;
}
