import { redirect } from '@sveltejs/kit';
import { mfaCodeSchema } from '$lib/server/account/schemas';
import { isAuthError } from '$lib/server/auth';
import { stepUp } from '$lib/server/account/step-up';
import { requireClaims } from '$lib/server/platform/web/actions';
import {
	fieldError,
	formError,
	parseForm,
	rateLimited,
	safeRedirect
} from '$lib/server/platform/web/forms';
import { getAuth } from '$lib/server/platform/runtime';
import type { Actions, PageServerLoad } from './$types';

/**
 * The second step of signing in. The session already exists at aal1 (enough for anything that
 * does not demand more); verifying a code here raises it to aal2 with new tokens.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
	const target = safeRedirect(url.searchParams.get('redirectTo'));
	if (!locals.claims) redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(target)}`);
	const level = await (await getAuth()).getAssuranceLevel(locals.claims);
	if (level.current === 'aal2' || level.next !== 'aal2') redirect(303, target);
	return { email: locals.claims.email };
};

export const actions: Actions = {
	default: async (event) => {
		const claims = requireClaims(event.locals);
		const form = await parseForm(event.request, mfaCodeSchema);
		if (!form.ok) return form.failure;
		if (rateLimited(event, 'mfa', claims.sub)) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		try {
			await stepUp(await getAuth(), claims, form.data.code, event);
		} catch (error) {
			if (isAuthError(error, 'mfa_invalid_code')) {
				return fieldError('code', error.message, form.values);
			}
			if (isAuthError(error)) return formError(400, error.message, form.values);
			throw error;
		}
		redirect(303, safeRedirect(event.url.searchParams.get('redirectTo')));
	}
};
