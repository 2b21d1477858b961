import { redirect } from '@sveltejs/kit';
import { sidebarOpen } from '$lib/server/platform/web/shell';
import type { LayoutServerLoad } from './$types';

/** Everything under /app needs a signed-in person. */
export const load: LayoutServerLoad = ({ cookies, locals, url }) => {
	if (!locals.claims) {
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
	return { email: locals.claims.email ?? '', sidebarOpen: sidebarOpen(cookies) };
};
