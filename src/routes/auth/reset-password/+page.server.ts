import { redirect } from '@sveltejs/kit';
import { passwordResetSchema } from '$lib/schemas/auth';
import { isAuthError } from '$lib/server/auth';
import { forgetSession } from '$lib/server/auth/cookies';
import { fieldError, formError, parseForm, rateLimited } from '$lib/server/web/forms';
import { getAuth } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

/** The link from the reset email: the token rides in the query and then in a hidden field. */
export const load: PageServerLoad = ({ url }) => ({ token: url.searchParams.get('token') ?? '' });

export const actions: Actions = {
	default: async (event) => {
		const form = await parseForm(event.request, passwordResetSchema);
		if (!form.ok) return form.failure;
		if (rateLimited(event, 'reset-password', 'token')) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		const auth = await getAuth();
		try {
			await auth.resetPassword(form.data.token, form.data.password);
		} catch (error) {
			if (isAuthError(error, 'weak_password')) {
				return fieldError('password', error.issues.join(' ') || error.message, form.values);
			}
			if (isAuthError(error)) return formError(400, error.message, form.values);
			throw error;
		}
		// Every session of the account ended, this browser's included.
		await forgetSession(auth, event);
		redirect(303, '/auth/sign-in?reset=1');
	}
};
