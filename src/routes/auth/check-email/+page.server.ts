import { ensureRuntime } from '$lib/server/platform/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const { config, mail } = await ensureRuntime();
	return {
		email: url.searchParams.get('email') ?? '',
		/**
		 * The local mail catcher's inbox, on its own port (never this origin), when the confirmation
		 * goes there: not with the Supabase provider, whose Auth sends its own mail.
		 */
		mailCatcher: config.AUTH_PROVIDER === 'supabase' ? null : (mail?.url ?? null)
	};
};
