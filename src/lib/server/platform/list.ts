/**
 * Server-side search, sort and keyset paging for every list page, driven by the URL
 * (`$lib/components/data-table/list.ts` builds the links, `DataTable.svelte` shows the page).
 *
 * A list is declared once (`defineList`): the columns it may sort by (with their SQL type), the
 * columns its search looks in, and its id. `readList` parses a URL's query with zod — a bad value
 * is dropped with a sentence and the default used, never an error — and `listPage` wraps the
 * module's own query (`select … from (query) as l`), so sorting and searching work on its output
 * columns, computed ones and aggregates included, and applies:
 *
 * - search: every word of `q` must occur (ILIKE, `%` `_` and `\` taken literally) in one of the
 *   search columns;
 * - order: the sort column, then the id, so ties are stable; nulls last ascending and first
 *   descending, so one direction is exactly the other reversed;
 * - keyset paging: a cursor is base64url JSON of the sort key, direction, side ("a"fter or
 *   "b"efore), the boundary row's sort value (as SQL's text of it, to the microsecond) and id.
 *   A cursor that does not decode, belongs to another sort, or holds a value of the wrong type is
 *   refused in a sentence and the first page shown.
 */
import { sql, type Expression, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import {
	paramNames,
	type ListPage,
	type ListParamNames,
	type SortDir
} from '../../components/data-table/list';

export type { ListPage, SortDir };

/** The SQL types a sort column may have; the cursor's value is checked against it and cast to it. */
export type SortType =
	'text' | 'citext' | 'integer' | 'bigint' | 'numeric' | 'timestamptz' | 'date' | 'boolean';

export interface ListSpec<K extends string = string> {
	/** Prefix of the URL parameters, for a second list on the same page. */
	prefix?: string;
	/** Sort keys (the URL's `sort`) to output columns of the list's query and their types. */
	sorts: Record<K, { column: string; type: SortType }>;
	defaultSort: NoInfer<K>;
	defaultDir: SortDir;
	/** Output columns the search looks in (cast to text). */
	search: string[];
	/** The unique id column ending every order, and its type. */
	id: { column: string; type: 'uuid' | 'text' | 'bigint' };
	/** Rows a page; 25 unless given. */
	limit?: number;
}

export const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 25;
const MAX_QUERY = 200;
const MAX_TERMS = 8;

export function defineList<K extends string>(spec: ListSpec<K>): ListSpec<K> {
	if (!(spec.defaultSort in spec.sorts)) {
		throw new Error(`defineList: the default sort ${spec.defaultSort} is not one of its sorts`);
	}
	return spec;
}

type Side = 'a' | 'b';

/** A decoded cursor: where the page starts (after) or ends (before). */
interface Cursor {
	side: Side;
	value: string | null;
	id: string;
}

export interface ListParams {
	q: string;
	sort: string;
	dir: SortDir;
	limit: number;
	cursor: string | null;
	seek: Cursor | null;
	problems: string[];
	names: ListParamNames;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^-?\d{1,19}$/;
const NUMERIC = /^-?\d{1,30}(\.\d{1,30})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
	/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-]\d{2}(:\d{2})?)$/;

/** A real calendar day (SQL would throw on 2026-02-31, a 500 instead of a sentence). */
function realDay(year: string, month: string, day: string): boolean {
	const d = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
	return d.getUTCMonth() === Number(month) - 1 && d.getUTCDate() === Number(day);
}

function validValue(type: SortType, value: string): boolean {
	switch (type) {
		case 'text':
		case 'citext':
			return value.length <= 1000;
		case 'integer':
		case 'bigint':
			return INTEGER.test(value);
		case 'numeric':
			return NUMERIC.test(value);
		case 'boolean':
			return value === 'true' || value === 'false';
		case 'date': {
			const m = DATE.exec(value);
			return !!m && realDay(m[1]!, m[2]!, m[3]!);
		}
		case 'timestamptz': {
			const m = TIMESTAMP.exec(value);
			return !!m && realDay(m[1]!, m[2]!, m[3]!) && +m[4]! < 24 && +m[5]! < 60 && +m[6]! < 60;
		}
	}
}

function validId(type: ListSpec['id']['type'], id: string): boolean {
	if (type === 'uuid') return UUID.test(id);
	if (type === 'bigint') return INTEGER.test(id);
	return id.length <= 1000;
}

const cursorShape = z.tuple([
	z.string(),
	z.enum(['asc', 'desc']),
	z.enum(['a', 'b']),
	z.string().nullable(),
	z.string()
]);

export function encodeCursor(
	sort: string,
	dir: SortDir,
	side: Side,
	value: string | null,
	id: string
): string {
	return Buffer.from(JSON.stringify([sort, dir, side, value, id])).toString('base64url');
}

export const CURSOR_REFUSED =
	'This page link is damaged or out of date, so the first page is shown.';
const CURSOR_OTHER_ORDER =
	'This page link belongs to another sort order, so the first page of this one is shown.';

function decodeCursor(spec: ListSpec, sort: string, dir: SortDir, raw: string): Cursor | string {
	let json: unknown;
	try {
		if (!/^[A-Za-z0-9_-]+$/.test(raw)) return CURSOR_REFUSED;
		json = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
	} catch {
		return CURSOR_REFUSED;
	}
	const parsed = cursorShape.safeParse(json);
	if (!parsed.success) return CURSOR_REFUSED;
	const [cursorSort, cursorDir, side, value, id] = parsed.data;
	if (cursorSort !== sort || cursorDir !== dir) return CURSOR_OTHER_ORDER;
	const type = spec.sorts[sort]!.type;
	if (value !== null && !validValue(type, value)) return CURSOR_REFUSED;
	if (!validId(spec.id.type, id)) return CURSOR_REFUSED;
	return { side, value, id };
}

/**
 * This list's parameters from a URL's query. Each bad one is dropped with a sentence in
 * `problems` and its default used; nothing here throws.
 */
export function readList(search: URLSearchParams, spec: ListSpec): ListParams {
	const names = paramNames(spec.prefix);
	const problems: string[] = [];
	const defaultLimit = spec.limit ?? DEFAULT_LIMIT;
	const sortKeys = Object.keys(spec.sorts) as [string, ...string[]];
	const raw = (name: string) => search.get(name) ?? undefined;

	const q = z
		.string()
		.max(MAX_QUERY)
		.safeParse(raw(names.q) ?? '');
	if (!q.success)
		problems.push(`Search for at most ${MAX_QUERY} characters; the search was dropped.`);
	const sort = z.enum(sortKeys).optional().safeParse(raw(names.sort));
	if (!sort.success)
		problems.push(`This list cannot be sorted that way, so it is in its usual order.`);
	const dir = z.enum(['asc', 'desc']).optional().safeParse(raw(names.dir));
	if (!dir.success)
		problems.push('The sort direction is ascending or descending; the usual one is used.');
	const limit = z.coerce
		.number()
		.int()
		.min(1)
		.max(MAX_LIMIT)
		.optional()
		.safeParse(raw(names.limit));
	if (!limit.success) {
		problems.push(`A page shows 1 to ${MAX_LIMIT} rows, so it shows ${defaultLimit}.`);
	}

	const params: ListParams = {
		q: q.success ? q.data.trim() : '',
		sort: (sort.success && sort.data) || spec.defaultSort,
		dir: (dir.success && dir.data) || spec.defaultDir,
		limit: (limit.success && limit.data) || defaultLimit,
		cursor: null,
		seek: null,
		problems,
		names
	};
	const cursor = raw(names.cursor);
	if (cursor) {
		const decoded =
			cursor.length > 4000 ? CURSOR_REFUSED : decodeCursor(spec, params.sort, params.dir, cursor);
		if (typeof decoded === 'string') problems.push(decoded);
		else Object.assign(params, { cursor, seek: decoded });
	}
	return params;
}

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
export function escapeLike(text: string): string {
	return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const KEY = '__list_key';
const ID = '__list_id';

const reverse = (dir: SortDir): SortDir => (dir === 'asc' ? 'desc' : 'asc');

/**
 * The rows strictly past (value, id) when scanning in `dir`: ascending puts nulls last, descending
 * first, matching the ORDER BY.
 */
function seekPast(
	key: Expression<unknown>,
	id: Expression<unknown>,
	type: SortType,
	idType: ListSpec['id']['type'],
	dir: SortDir,
	at: { value: string | null; id: string }
): Expression<SqlBool> {
	const cid = sql`cast(${at.id} as ${sql.raw(idType)})`;
	const op = sql.raw(dir === 'asc' ? '>' : '<');
	if (at.value === null) {
		return dir === 'asc'
			? sql<SqlBool>`(${key} is null and ${id} ${op} ${cid})`
			: sql<SqlBool>`((${key} is null and ${id} ${op} ${cid}) or ${key} is not null)`;
	}
	const v = sql`cast(${at.value} as ${sql.raw(type)})`;
	const past = sql`(${key} ${op} ${v} or (${key} = ${v} and ${id} ${op} ${cid}))`;
	return dir === 'asc' ? sql<SqlBool>`(${past} or ${key} is null)` : sql<SqlBool>`${past}`;
}

/**
 * One page of `query` (the module's own select, under the caller's RLS) searched, sorted and paged
 * as `params` says. A cursor whose page has emptied (its rows deleted) falls back to the first page.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- any module's database and query, whatever they select */
export async function listPage<O extends Record<string, unknown>>(
	db: Kysely<any>,
	query: SelectQueryBuilder<any, any, O>,
	spec: ListSpec,
	params: ListParams
): Promise<ListPage<O>> {
	/* eslint-enable @typescript-eslint/no-explicit-any */
	const sortSpec = spec.sorts[params.sort]!;
	const key = sql.ref(`l.${sortSpec.column}`);
	const id = sql.ref(`l.${spec.id.column}`);
	const terms = params.q.split(/\s+/).filter(Boolean).slice(0, MAX_TERMS);
	const matches = terms.map((term) => {
		const pattern = `%${escapeLike(term)}%`;
		const any = spec.search.map(
			(column) =>
				sql<SqlBool>`cast(${sql.ref(`l.${column}`)} as text) ilike ${pattern} escape ${'\\'}`
		);
		return sql<SqlBool>`(${sql.join(any, sql` or `)})`;
	});
	const from = () => db.selectFrom(query.as('l'));
	const searched = () => {
		let q = from();
		for (const m of matches) q = q.where(m);
		return q;
	};
	const seek = (dir: SortDir, at: { value: string | null; id: string }) =>
		seekPast(key, id, sortSpec.type, spec.id.type, dir, at);

	const read = async (cursor: Cursor | null) => {
		const scan = cursor?.side === 'b' ? reverse(params.dir) : params.dir;
		const nulls = sql.raw(scan === 'asc' ? 'asc nulls last' : 'desc nulls first');
		let q = searched()
			.selectAll('l')
			.select([
				sql<string | null>`cast(${key} as text)`.as(KEY),
				sql<string>`cast(${id} as text)`.as(ID)
			]);
		if (cursor) q = q.where(seek(scan, cursor));
		const rows = (await q
			.orderBy(sql`${key} ${nulls}`)
			.orderBy(sql`${id} ${sql.raw(scan)}`)
			.limit(params.limit + 1)
			.execute()) as (O & { [KEY]: string | null; [ID]: string })[];
		const more = rows.length > params.limit;
		if (more) rows.pop();
		if (cursor?.side === 'b') rows.reverse();
		return { rows, more };
	};
	const exists = async (dir: SortDir, at: { value: string | null; id: string }) =>
		(
			await searched()
				.select(sql`1`.as('one'))
				.where(seek(dir, at))
				.limit(1)
				.execute()
		).length > 0;

	const problems = [...params.problems];
	let cursor = params.seek;
	let page = await read(cursor);
	if (cursor && page.rows.length === 0) {
		problems.push(CURSOR_REFUSED);
		cursor = null;
		page = await read(null);
	}
	const { rows } = page;
	const first = rows[0];
	const last = rows.at(-1);
	const edge = (row: { [KEY]: string | null; [ID]: string }) => ({ value: row[KEY], id: row[ID] });
	const cursorAt = (side: Side, row: { [KEY]: string | null; [ID]: string }) =>
		encodeCursor(params.sort, params.dir, side, row[KEY], row[ID]);

	let next: string | null = null;
	let prev: string | null = null;
	if (last && first) {
		const nextExists = cursor?.side === 'b' ? await exists(params.dir, edge(last)) : page.more;
		const prevExists =
			cursor === null
				? false
				: cursor.side === 'b'
					? page.more
					: await exists(reverse(params.dir), edge(first));
		if (nextExists) next = cursorAt('a', last);
		if (prevExists) prev = cursorAt('b', first);
	}
	const counted = await searched()
		.select(sql<string>`count(*)`.as('n'))
		.executeTakeFirstOrThrow();

	return {
		rows: rows.map((row) => {
			const rest: Record<string, unknown> = { ...row };
			delete rest[KEY];
			delete rest[ID];
			return rest as O;
		}),
		total: Number(counted.n),
		q: params.q,
		sort: params.sort,
		dir: params.dir,
		limit: params.limit,
		cursor: cursor ? params.cursor : null,
		next,
		prev,
		problem: problems.length > 0 ? problems.join(' ') : null,
		names: params.names,
		defaults: { sort: spec.defaultSort, dir: spec.defaultDir, limit: spec.limit ?? DEFAULT_LIMIT }
	};
}
