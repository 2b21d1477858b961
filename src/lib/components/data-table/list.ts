/**
 * What a list's page hands its DataTable (client-safe; built on the server by
 * `$lib/server/platform/list.ts`), and the links the table builds from it: every view of a list
 * lives in the URL (search, sort, direction, page cursor, page size), so it can be linked and the
 * back button restores it. A page with two lists gives the second a prefix (`inv_q`, `inv_sort` …).
 */
export type SortDir = 'asc' | 'desc';

/** The URL parameter names of one list. */
export interface ListParamNames {
	q: string;
	sort: string;
	dir: string;
	cursor: string;
	limit: string;
}

/** One page of a list as the server answered it. */
export interface ListPage<R> {
	rows: R[];
	/** Rows matching the search, over every page. */
	total: number;
	q: string;
	sort: string;
	dir: SortDir;
	limit: number;
	/** The cursor this page was read from (null: the first page). */
	cursor: string | null;
	/** The cursors of the neighbouring pages, null where there is none. */
	next: string | null;
	prev: string | null;
	/** Why the URL's parameters were not (all) used, in a sentence; the list fell back. */
	problem: string | null;
	names: ListParamNames;
	defaults: { sort: string; dir: SortDir; limit: number };
}

export function paramNames(prefix = ''): ListParamNames {
	const name = (key: string) => (prefix ? `${prefix}_${key}` : key);
	return {
		q: name('q'),
		sort: name('sort'),
		dir: name('dir'),
		cursor: name('cursor'),
		limit: name('limit')
	};
}

type Change = Partial<Record<keyof ListParamNames, string | null>>;

/**
 * The current URL's query with this list's parameters changed (null removes one; a value equal to
 * the default is left out so links stay short). Other lists' parameters are kept.
 */
export function listHref(url: URL, list: ListPage<unknown>, change: Change): string {
	const params = new URLSearchParams(url.searchParams);
	const current: Record<keyof ListParamNames, string | null> = {
		q: list.q || null,
		sort: list.sort,
		dir: list.dir,
		cursor: list.cursor,
		limit: String(list.limit)
	};
	const defaults: Record<keyof ListParamNames, string | null> = {
		q: null,
		sort: list.defaults.sort,
		dir: list.defaults.dir,
		cursor: null,
		limit: String(list.defaults.limit)
	};
	for (const key of Object.keys(current) as (keyof ListParamNames)[]) {
		const value = key in change ? change[key] : current[key];
		const name = list.names[key];
		if (value === null || value === undefined || value === '' || value === defaults[key]) {
			params.delete(name);
		} else {
			params.set(name, value);
		}
	}
	const query = params.toString();
	return `${url.pathname}${query ? `?${query}` : ''}`;
}

/** The link a sortable header points at: the other direction when sorted by it, else ascending. */
export function sortHref(url: URL, list: ListPage<unknown>, key: string): string {
	const dir: SortDir = list.sort === key && list.dir === 'asc' ? 'desc' : 'asc';
	return listHref(url, list, { sort: key, dir, cursor: null });
}
