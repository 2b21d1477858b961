import { AUTH_ERROR_MESSAGES, isAuthError } from '$lib/server/auth';
import { getAuth } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const token = url.searchParams.get('token');
	if (!token) return { confirmed: false, message: AUTH_ERROR_MESSAGES.token_invalid };
	try {
		const { email } = await (await getAuth()).confirmEmail(token);
		return { confirmed: true, email };
	} catch (error) {
		if (isAuthError(error)) return { confirmed: false, message: error.message };
		throw error;
	}
};
