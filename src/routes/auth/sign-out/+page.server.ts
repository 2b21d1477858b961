import { redirect } from '@sveltejs/kit';
import { forgetSession } from '$lib/server/auth/cookies';
import { forgetPreferencesMirror } from '$lib/server/preferences/service';
import { getAuth } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async (event) => {
		const auth = await getAuth();
		if (event.locals.claims) await auth.signOut(event.locals.claims);
		await forgetSession(auth, event);
		forgetPreferencesMirror(event.cookies);
		redirect(303, '/');
	}
};
