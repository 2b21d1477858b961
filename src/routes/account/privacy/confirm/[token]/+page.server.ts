import { withClaims } from '$lib/server/platform/db';
import { requireClaims } from '$lib/server/platform/web/actions';
import { verifyRequest } from '$lib/server/privacy/queries';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import type { Actions, PageServerLoad } from './$types';

/** The emailed link: the person confirms it is their request (a POST, so a mail scanner's GET changes nothing). */
export const load: PageServerLoad = ({ locals }) => {
	requireClaims(locals);
	return {};
};

export const actions: Actions = {
	default: async ({ locals, params }) => {
		try {
			await withClaims(requireClaims(locals), (trx) => verifyRequest(trx, params.token));
			return { confirmed: true as const };
		} catch (e) {
			if ((e as { code?: string }).code === 'TN484') {
				return { confirmed: false as const, message: DB_ERROR_MESSAGES.TN484!.message };
			}
			throw e;
		}
	}
};
