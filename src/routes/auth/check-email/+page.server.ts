import { ensureRuntime } from '$lib/server/runtime';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const { config } = await ensureRuntime();
	return {
		email: url.searchParams.get('email') ?? '',
		devMailbox: config.DB_ENGINE === 'embedded' && config.NODE_ENV !== 'production'
	};
};
