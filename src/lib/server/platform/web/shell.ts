import type { Cookies } from '@sveltejs/kit';
import { SIDEBAR_COOKIE_NAME } from '$lib/components/ui/sidebar/constants';

/** The sidebar as the person left it (open unless they collapsed it), so the server render matches. */
export function sidebarOpen(cookies: Cookies): boolean {
	return cookies.get(SIDEBAR_COOKIE_NAME) !== 'false';
}
