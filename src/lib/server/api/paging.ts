/**
 * Cursor pagination: `?limit=` (1–100, default 50) and `?cursor=` (opaque: base64url of the last
 * item's key); a page answers `{ data, next_cursor }`, `next_cursor` null on the last page. Lists
 * are ordered by a unique key (the id), so a row written while a client pages moves nothing.
 */
import { z } from 'zod';
import { ApiProblem } from './problem';

export const MAX_LIMIT = 100;

export const pageQuery = z.object({
	limit: z.coerce
		.number({ error: `Use a limit of 1–${MAX_LIMIT}.` })
		.int({ error: `Use a limit of 1–${MAX_LIMIT}.` })
		.min(1, { error: `Use a limit of 1–${MAX_LIMIT}.` })
		.max(MAX_LIMIT, { error: `Use a limit of 1–${MAX_LIMIT}.` })
		.default(50)
		.meta({ description: `Items per page, 1–${MAX_LIMIT}.` }),
	cursor: z
		.string()
		.max(500)
		.optional()
		.meta({ description: 'The `next_cursor` of the previous page.' })
});

export type PageQuery = z.output<typeof pageQuery>;

/** `{ data: item[], next_cursor }` for an item schema. */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
	return z
		.object({ data: z.array(item), next_cursor: z.string().nullable() })
		.meta({ id, description: 'One page; ask for the next with `?cursor=<next_cursor>`.' });
}

export function encodeCursor(key: string): string {
	return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
	try {
		const { k } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
		if (typeof k === 'string') return k;
	} catch {
		// refused below
	}
	return badCursor();
}

export function badCursor(): never {
	throw new ApiProblem('TN220', 'query.cursor: That cursor is not one this API gave.', {
		errors: [{ field: 'query.cursor', message: 'That cursor is not one this API gave.' }]
	});
}

/** One page of `items` (all the caller may see, read under RLS) ordered by `key`. */
export function paginate<T>(
	items: readonly T[],
	key: (item: T) => string,
	{ limit, cursor }: PageQuery
): { data: T[]; next_cursor: string | null } {
	const after = cursor === undefined ? null : decodeCursor(cursor);
	const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
	const rest = after === null ? sorted : sorted.filter((item) => key(item) > after);
	const data = rest.slice(0, limit);
	return {
		data,
		next_cursor: rest.length > limit ? encodeCursor(key(data[data.length - 1]!)) : null
	};
}
