import { error } from '@sveltejs/kit';
import { asServiceRole } from '$lib/server/platform/db';
import { readShare } from '$lib/server/bi/queries';
import type { PageServerLoad } from './$types';

/**
 * A shared dashboard (docs/bi.md#sharing): the snapshot taken under the sharer's rights, read by
 * the link's token hash — nobody needs to sign in and nothing live is queried. Framed only by the
 * origins the tenant listed (CSP frame-ancestors, set by the hooks from locals.frameAncestors).
 */
export const load: PageServerLoad = async ({ locals, params, setHeaders }) => {
	const share = await asServiceRole('bi.share', (trx) => readShare(trx, params.token));
	if (!share) error(404, 'This link does not exist or was revoked.');
	locals.frameAncestors = share.allowedOrigins;
	setHeaders({ 'cache-control': 'private, no-store', 'x-robots-tag': 'noindex' });
	return share;
};
