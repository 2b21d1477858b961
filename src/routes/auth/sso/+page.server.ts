import { z } from 'zod';
import { emailSchema } from '$lib/server/auth/schemas';
import { DB_ERROR_MESSAGES } from '$lib/server/platform/errors';
import { formError, parseForm, rateLimited } from '$lib/server/platform/web/forms';
import { startForEmail } from '$lib/server/sso/web';
import { CHECK_LABELS } from '$lib/server/sso/types';
import type { Actions, PageServerLoad } from './$types';

const continueSchema = z.object({ email: emailSchema });

export const load: PageServerLoad = ({ url }) => {
	const error = url.searchParams.get('error');
	const tested = url.searchParams.get('tested');
	const check = url.searchParams.get('check');
	const checks = (url.searchParams.get('checks') ?? '').split(',').filter((c) => c in CHECK_LABELS);
	return {
		error: error ? (DB_ERROR_MESSAGES[error]?.message ?? DB_ERROR_MESSAGES.TN449!.message) : null,
		failedCheck: check && check in CHECK_LABELS ? CHECK_LABELS[check]! : null,
		test: tested
			? {
					ok: tested === 'ok',
					message: tested === 'ok' ? null : (DB_ERROR_MESSAGES[tested]?.message ?? null),
					checks: checks.map((c) => CHECK_LABELS[c]!),
					email: url.searchParams.get('email'),
					account: url.searchParams.get('account')
				}
			: null
	};
};

export const actions: Actions = {
	default: async (event) => {
		const form = await parseForm(event.request, continueSchema);
		if (!form.ok) return form.failure;
		if (rateLimited(event, 'sso', form.data.email)) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		const location = await startForEmail(form.data.email, event.url.searchParams.get('redirectTo'));
		if (!location) {
			return formError(
				400,
				'No organisation signs this address in through single sign-on. Sign in with your password.',
				form.values
			);
		}
		// The page navigates there by script: a form's redirect to another origin is outside form-action.
		return { location };
	}
};
