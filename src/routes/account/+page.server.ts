import { error } from '@sveltejs/kit';
import { profileSchema } from '$lib/schemas/account';
import { withClaims } from '$lib/server/db';
import { getMyProfile, updateMyName } from '$lib/server/db/profiles';
import { mutate, requireClaims } from '$lib/server/web/actions';
import { parseForm } from '$lib/server/web/forms';
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
