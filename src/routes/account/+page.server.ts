import { error } from '@sveltejs/kit';
import { profileSchema } from '$lib/server/account/schemas';
import { withClaims } from '$lib/server/platform/db';
import { getMyProfile, updateMyName } from '$lib/server/account/profiles';
import { formAction, requireClaims } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const claims = requireClaims(locals);
	const profile = await withClaims(claims, (trx) => getMyProfile(trx, claims.sub));
	if (!profile) error(404, 'Your profile was not found.');
	return { profile };
};

export const actions: Actions = {
	profile: (event) => {
		const claims = requireClaims(event.locals);
		return formAction(event, profileSchema, async (trx, { input }) => {
			await updateMyName(trx, claims.sub, input.full_name);
			return { ok: 'Your name is saved.' };
		});
	}
};
