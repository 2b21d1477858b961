import { pagePreferences } from '$lib/server/preferences/service';
import { takeToast } from '$lib/server/platform/web/flash';
import type { LayoutServerLoad } from './$types';

/**
 * Every page formats with the person's preferences (the tenant layout settles its time zone), and
 * shows the toast an action's redirect left for it.
 */
export const load: LayoutServerLoad = ({ locals, cookies }) => ({
	preferences: pagePreferences(locals.preferences),
	toast: takeToast(cookies)
});
