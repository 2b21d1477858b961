import { passwordResetRequestSchema } from '$lib/server/auth/schemas';
import { formError, parseForm, rateLimited } from '$lib/server/platform/web/forms';
import { getAuth } from '$lib/server/platform/runtime';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async (event) => {
		const form = await parseForm(event.request, passwordResetRequestSchema);
		if (!form.ok) return form.failure;
		if (rateLimited(event, 'reset', form.data.email)) {
			return formError(429, 'Too many attempts. Wait a moment and try again.', form.values);
		}
		await (await getAuth()).requestPasswordReset(form.data.email);
		// The same answer whether or not the address has an account.
		return { sent: form.data.email };
	}
};
