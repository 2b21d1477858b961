import { error, json } from '@sveltejs/kit';
import { boardStream } from '$lib/server/tasks/live';
import { teamIdSchema } from '$lib/server/tasks/schemas';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import { withClaims } from '$lib/server/platform/db';
import type { RequestHandler } from './$types';

/** Server-sent events of a board: `event: board` whenever it changes (src/lib/server/tasks/live.ts). */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	if (!locals.claims) return json({ message: 'Sign in first.' }, { status: 401 });
	if (!teamIdSchema.safeParse(params.team).success) error(404, 'Not found');
	const tenant = await withClaims(locals.claims, (trx) => findTenantBySlug(trx, params.slug));
	if (!tenant) error(404, 'Not found');
	return boardStream(locals.claims, request.signal, tenant.id, params.team);
};
