import { error } from '@sveltejs/kit';
import { profileSchema } from '$lib/server/account/schemas';
import { withClaims } from '$lib/server/platform/db';
import { getMyProfile, updateMyName } from '$lib/server/account/profiles';
import { getMyPreferences, saveMyPreferences } from '$lib/server/preferences/queries';
import { preferencesSchema } from '$lib/server/preferences/schemas';
import { formAction, requireClaims } from '$lib/server/platform/web/actions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const claims = requireClaims(locals);
	const { profile, stored } = await withClaims(claims, async (trx) => ({
		profile: await getMyProfile(trx, claims.sub),
		stored: await getMyPreferences(trx, claims.sub)
	}));
	if (!profile) error(404, 'Your profile was not found.');
	const { theme, timeZone, dateFormat, locale } = locals.preferences;
	return {
		profile,
		/** The form's values: the stored row, else what the request guessed (theme cookie, browser language). */
		chosen: stored ?? { theme, timeZone, dateFormat, language: locale },
		timeZones: Intl.supportedValuesOf('timeZone')
	};
};

export const actions: Actions = {
	profile: (event) => {
		const claims = requireClaims(event.locals);
		return formAction(event, profileSchema, async (trx, { input }) => {
			await updateMyName(trx, claims.sub, input.full_name);
			return { ok: 'Your name is saved.' };
		});
	},
	preferences: (event) => {
		const claims = requireClaims(event.locals);
		return formAction(event, preferencesSchema, async (trx, { input }) => {
			await saveMyPreferences(trx, claims.sub, input);
			return { ok: 'Your preferences are saved.' };
		});
	}
};
