import { ensureRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const { mail } = await ensureRuntime();
	return {
		email: url.searchParams.get('email') ?? '',
		/** The local mail catcher's inbox (embedded profile), on its own port: never this origin. */
		mailCatcher: mail?.url ?? null
	};
};
