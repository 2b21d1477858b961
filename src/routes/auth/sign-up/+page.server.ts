import { redirect } from '@sveltejs/kit';
import { signUpSchema } from '$lib/server/auth/schemas';
import { isAuthError } from '$lib/server/auth';
import { formError, parseForm, rateLimited } from '$lib/server/platform/web/forms';
import { getAuth } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (locals.claims) redirect(303, '/app');
};

export const actions: Actions = {
	default: async (event) => {
		const form = await parseForm(event.request, signUpSchema);
		if (!form.ok) return form.failure;
		if (rateLimited(event, 'sign-up', form.data.email)) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		try {
			const { email } = await (await getAuth()).signUp(form.data);
			redirect(303, `/auth/check-email?email=${encodeURIComponent(email)}`);
		} catch (error) {
			if (isAuthError(error, 'weak_password')) {
				return formError(400, error.issues.join(' ') || error.message, form.values);
			}
			throw error;
		}
	}
};
