import { json } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { bellState } from '$lib/server/notifications/queries';
import type { RequestHandler } from './$types';

/**
 * The signed-in person's bell (unread count, latest notifications): their session only. A
 * person's own inbox is not an organisation's resource, so it is not in /api/v1 (API keys).
 */
export const GET: RequestHandler = async ({ locals }) => {
	const claims = locals.claims;
	if (!claims) return json({ message: 'Sign in first.' }, { status: 401 });
	const state = await withClaims(claims, (trx) => bellState(trx, claims.sub));
	return json(state, { headers: { 'cache-control': 'no-store' } });
};
