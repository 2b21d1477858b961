import { redirect } from '@sveltejs/kit';
import { passwordResetSchema } from '$lib/server/auth/schemas';
import { AUTH_ERROR_MESSAGES, isAuthError } from '$lib/server/auth';
import { forgetSession } from '$lib/server/auth/cookies';
import { fieldError, formError, parseForm, rateLimited } from '$lib/server/platform/web/forms';
import { getAuth } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * The link from the reset email. The token stays in the page's address, where the link put it:
 * the form posts back to that address, and no page this route answers — after a refusal
 * included — carries the token in its body.
 */
export const load: PageServerLoad = ({ url }) => ({ hasToken: !!url.searchParams.get('token') });

const passwordOnly = passwordResetSchema.omit({ token: true });

export const actions: Actions = {
	default: async (event) => {
		const form = await parseForm(event.request, passwordOnly);
		if (!form.ok) return form.failure;
		const token = passwordResetSchema.shape.token.safeParse(event.url.searchParams.get('token'));
		if (!token.success) return formError(400, AUTH_ERROR_MESSAGES.token_invalid, form.values);
		if (rateLimited(event, 'reset-password', 'token')) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		const auth = await getAuth();
		try {
			await auth.resetPassword(token.data, form.data.password);
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
