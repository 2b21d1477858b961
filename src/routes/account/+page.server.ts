import { error } from '@sveltejs/kit';
import { profileSchema } from '$lib/server/account/schemas';
import { withClaims } from '$lib/server/platform/db';
import { getMyProfile, updateMyName } from '$lib/server/account/profiles';
import { mutate, requireClaims } from '$lib/server/platform/web/actions';
import { parseForm } from '$lib/server/platform/web/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const claims = requireClaims(locals);
	const profile = await withClaims(claims, (trx) => getMyProfile(trx, claims.sub));
	if (!profile) error(404, 'Your profile was not found.');
	return { profile };
};

export const actions: Actions = {
	profile: async ({ locals, request }) => {
		const claims = requireClaims(locals);
		const form = await parseForm(request, profileSchema);
		if (!form.ok) return form.failure;
		const result = await mutate(locals, form.values, (trx) =>
			updateMyName(trx, claims.sub, form.data.full_name)
		);
		if (!result.ok) return result.failure;
		return { ok: 'Your name is saved.' };
	}
};
