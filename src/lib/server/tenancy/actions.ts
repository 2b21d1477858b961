/**
 * A tenant page's form action: formAction (platform/web/actions.ts) with the page's tenant found
 * by its slug inside the action's one transaction — RLS decides, so a tenant the caller is not a
 * member of is the same 404 as one that does not exist.
 */
import { error, type RequestEvent } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../platform/database';
import {
	formAction,
	type ActionOptions,
	type Refusal,
	type Submitted
} from '../platform/web/actions';
import { findTenantBySlug, type TenantDetail } from './tenants';

export async function tenantOf(trx: Transaction<DB>, slug: string): Promise<TenantDetail> {
	const tenant = await findTenantBySlug(trx, slug);
	if (!tenant) error(404, 'Not found');
	return tenant;
}

export function tenantAction<S extends z.ZodType, T>(
	event: Pick<RequestEvent, 'locals' | 'request' | 'params'>,
	schema: S | null,
	write: (trx: Transaction<DB>, tenant: TenantDetail, form: Submitted<z.output<S>>) => Promise<T>,
	options?: ActionOptions
): Promise<T | Refusal> {
	const slug = (event.params as { slug?: string }).slug ?? '';
	return formAction(
		event,
		schema,
		async (trx, form) => write(trx, await tenantOf(trx, slug), form),
		options
	);
}
