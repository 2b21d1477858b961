import { redirect } from '@sveltejs/kit';
import { signInSchema } from '$lib/server/auth/schemas';
import { isAuthError } from '$lib/server/auth';
import { writeSession } from '$lib/server/auth/cookies';
import {
	clientAddress,
	formError,
	parseForm,
	rateLimited,
	safeRedirect
} from '$lib/server/platform/web/forms';
import { getAuth } from '$lib/server/platform/runtime';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { passwordSignInRefused } from '$lib/server/sso/web';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.claims) redirect(303, safeRedirect(url.searchParams.get('redirectTo')));
	return { reset: url.searchParams.has('reset'), ended: url.searchParams.has('ended') };
};

export const actions: Actions = {
	default: async (event) => {
		const form = await parseForm(event.request, signInSchema);
		if (!form.ok) return form.failure;
		if (rateLimited(event, 'sign-in', form.data.email)) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		// SSO enforced for the address's domain: its IdP only (break-glass owners excepted).
		if (await passwordSignInRefused(form.data.email)) {
			return formError(400, DB_ERROR_MESSAGES.TN448!.message, form.values);
		}
		const auth = await getAuth();
		const target = safeRedirect(event.url.searchParams.get('redirectTo'));
		let level;
		try {
			const session = await auth.signIn(form.data.email, form.data.password, {
				userAgent: event.request.headers.get('user-agent') ?? undefined,
				ip: clientAddress(event)
			});
			await writeSession(auth, event, session);
			level = await auth.getAssuranceLevel(await auth.verifyAccessToken(session.accessToken));
		} catch (error) {
			if (isAuthError(error)) return formError(400, error.message, form.values);
			throw error;
		}
		// A person with a verified factor is signed in at aal1 and asked for the second step.
		if (level.next === 'aal2' && level.current !== 'aal2') {
			redirect(303, `/auth/mfa?redirectTo=${encodeURIComponent(target)}`);
		}
		redirect(303, target);
	}
};
