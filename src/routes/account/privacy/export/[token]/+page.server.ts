import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { requireClaims } from '$lib/server/platform/web/actions';
import type { PageServerLoad } from './$types';

const REFUSALS = ['TN494', 'TN495', 'TN496'] as const;

/** The emailed link's page: a button that downloads the archive (a POST: a mail scanner's GET uses nothing). */
export const load: PageServerLoad = ({ locals, url }) => {
	requireClaims(locals);
	const refused = REFUSALS.find((code) => code === url.searchParams.get('refused'));
	return { refusal: refused ? DB_ERROR_MESSAGES[refused]!.message : null };
};
