/**
 * The no-code query builder: a view of schema analytics, one filter, a group by, an aggregate and a
 * time bucket, turned into SQL. Every name comes from the list below (never from what was typed);
 * the filter's value is a bound parameter (analytics.param_text('value')), never written into the text.
 */
export const BUILDER_TABLES = {
	usage_daily: {
		time: 'day',
		columns: ['day', 'active_users', 'storage_bytes', 'emails_sent', 'api_calls'],
		numeric: ['active_users', 'storage_bytes', 'emails_sent', 'api_calls']
	},
	usage_events: {
		time: 'occurred_at',
		columns: ['metric', 'quantity', 'occurred_at'],
		numeric: ['quantity']
	},
	projects: { time: 'created_at', columns: ['name', 'created_at'], numeric: [] },
	tasks: {
		time: 'created_at',
		columns: ['priority', 'title', 'due_on', 'created_at', 'updated_at'],
		numeric: []
	}
} as const;

export type BuilderTable = keyof typeof BUILDER_TABLES;

export interface BuilderSpec {
	table: BuilderTable;
	bucket: '' | 'day' | 'week' | 'month';
	groupBy: string;
	aggregate: 'count' | 'sum' | 'avg' | 'min' | 'max';
	measure: string;
	filterColumn: string;
	filterOp: '=' | '<>' | '>' | '<' | '>=' | '<=';
	filterValue: string;
}

/** The SQL of a spec and its parameters; an error sentence for a column the table does not have. */
export function buildQuery(
	spec: BuilderSpec
):
	| { sql: string; parameters: { name: string; type: 'text' }[]; values: Record<string, string> }
	| { error: string } {
	const table = BUILDER_TABLES[spec.table];
	const columns: readonly string[] = table.columns;
	const numeric: readonly string[] = table.numeric;
	if (spec.groupBy && !columns.includes(spec.groupBy))
		return { error: `${spec.table} has no column ${spec.groupBy}.` };
	if (spec.filterColumn && !columns.includes(spec.filterColumn)) {
		return { error: `${spec.table} has no column ${spec.filterColumn}.` };
	}
	if (spec.aggregate !== 'count' && !numeric.includes(spec.measure)) {
		return { error: `Choose a number column of ${spec.table} to ${spec.aggregate}.` };
	}
	const select: string[] = [];
	const group: string[] = [];
	if (spec.bucket) {
		select.push(`date_trunc('${spec.bucket}', ${table.time}) as period`);
		group.push('1');
	}
	if (spec.groupBy) {
		select.push(spec.groupBy);
		group.push(spec.groupBy);
	}
	select.push(
		spec.aggregate === 'count' ? 'count(*) as value' : `${spec.aggregate}(${spec.measure}) as value`
	);
	const where = [
		`${table.time} >= analytics.range_start()`,
		`${table.time} <= analytics.range_end()`
	];
	const parameters: { name: string; type: 'text' }[] = [];
	const values: Record<string, string> = {};
	if (spec.filterColumn) {
		where.push(`${spec.filterColumn}::text ${spec.filterOp} analytics.param_text('value')`);
		parameters.push({ name: 'value', type: 'text' });
		values.value = spec.filterValue;
	}
	const sql = [
		`select ${select.join(', ')}`,
		`from ${spec.table}`,
		`where ${where.join(' and ')}`,
		group.length ? `group by ${group.join(', ')}` : '',
		group.length ? `order by ${group.join(', ')}` : ''
	]
		.filter(Boolean)
		.join('\n');
	return { sql, parameters, values };
}
