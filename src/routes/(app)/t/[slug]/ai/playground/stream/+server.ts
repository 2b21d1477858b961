import { error, json } from '@sveltejs/kit';
import { playgroundRequest, playgroundStream } from '$lib/server/ai/playground';
import { withClaims } from '$lib/server/platform/db';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import type { RequestHandler } from './$types';

/** The playground's answer as server-sent events (src/lib/server/ai/playground.ts). */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	if (!locals.claims) return json({ message: 'Sign in first.' }, { status: 401 });
	const tenant = await withClaims(locals.claims, (trx) => findTenantBySlug(trx, params.slug));
	if (!tenant) error(404, 'Not found');
	const parsed = playgroundRequest.safeParse(await request.json().catch(() => null));
	if (!parsed.success)
		return json({ message: parsed.error.issues[0]?.message ?? 'Check the form.' }, { status: 400 });
	return playgroundStream(locals.claims, tenant.id, parsed.data, request.signal);
};
