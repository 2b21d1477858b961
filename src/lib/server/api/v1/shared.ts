/** Pieces every v1 resource uses: ids in paths, timestamps, the "not found" refusal, row locks. */
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../platform/database';
import { endpoint, type AnyObject, type Context, type Endpoint } from '../endpoint';
import { pageOf, pageQuery, paginate } from '../paging';
import { ApiProblem } from '../problem';

export const uuid = (what: string) =>
	z.uuid({ error: `Use the ${what}'s id (a UUID).` }).meta({ description: `The ${what}'s id.` });

export const timestamp = z.iso.datetime({ offset: true }).meta({ format: 'date-time' });

export function iso(value: Date | string): string;
export function iso(value: Date | string | null): string | null;
export function iso(value: Date | string | null): string | null {
	if (value === null) return null;
	return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The refusal for a row RLS hid or that does not exist: the same answer for both. */
export function notFound(what: string): never {
	throw new ApiProblem('TN230', `No such ${what}, or you may not see it.`);
}

/**
 * The refusal for a row the caller may see but not change or delete (RLS matched no row for the
 * write): TN002, as the RPCs answer.
 */
export function forbidden(permission: string): never {
	throw Object.assign(new Error(`needs ${permission}`), { code: 'TN002' });
}

/**
 * Locks a row the caller may update (FOR UPDATE, so RLS's update policy applies) until the
 * transaction ends, so an If-Match check and the write see the same version; false when RLS hides it.
 */
export async function lockRow(
	trx: Transaction<DB>,
	table: 'tenants' | 'projects' | 'teams',
	id: string
): Promise<boolean> {
	const { rows } =
		await sql`select 1 from ${sql.table(`public.${table}`)} where id = ${id} for update`.execute(
			trx
		);
	return rows.length > 0;
}

/**
 * A list: GET with `limit` and `cursor`, answering one page of what `read` returns (every row the
 * caller may see, under RLS), ordered by `key`.
 */
export function listEndpoint<T, P extends AnyObject | undefined = undefined>(
	spec: {
		path: string;
		operationId: string;
		summary: string;
		tag: string;
		item: z.ZodType;
		pageId: string;
		params?: P;
	},
	read: (ctx: Context<P, typeof pageQuery, undefined>) => Promise<T[]>,
	key: (item: T) => string
): Endpoint {
	const { item, pageId, ...rest } = spec;
	return endpoint(
		{ ...rest, method: 'GET', query: pageQuery, response: pageOf(item, pageId) },
		async (ctx) => paginate(await read(ctx), key, ctx.query)
	);
}
