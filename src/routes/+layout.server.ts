import { pagePreferences } from '$lib/server/preferences/service';
import type { LayoutServerLoad } from './$types';

/** Every page formats with the person's preferences (the tenant layout settles its time zone). */
export const load: LayoutServerLoad = ({ locals }) => ({
	preferences: pagePreferences(locals.preferences)
});
