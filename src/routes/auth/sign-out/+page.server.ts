import { redirect } from '@sveltejs/kit';
import { clearSessionCookies } from '$lib/server/auth/cookies';
import { getAuth } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		if (locals.claims) await (await getAuth()).signOut(locals.claims);
		clearSessionCookies(cookies, url);
		redirect(303, '/');
	}
};
