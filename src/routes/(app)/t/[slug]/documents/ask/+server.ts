import { error, json } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { askRequest, askStream } from '$lib/server/rag/ask-stream';
import { findTenantBySlug } from '$lib/server/tenancy/tenants';
import type { RequestHandler } from './$types';

/** The ask box's answer as server-sent events (src/lib/server/rag/ask-stream.ts). */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	if (!locals.claims) return json({ message: 'Sign in first.' }, { status: 401 });
	const tenant = await withClaims(locals.claims, (trx) => findTenantBySlug(trx, params.slug));
	if (!tenant) error(404, 'Not found');
	const parsed = askRequest.safeParse(await request.json().catch(() => null));
	if (!parsed.success)
		return json(
			{ message: parsed.error.issues[0]?.message ?? 'Write a question.' },
			{ status: 400 }
		);
	return askStream(locals.claims, tenant.id, parsed.data.question, request.signal);
};
