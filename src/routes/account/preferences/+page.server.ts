import { redirect, type RequestEvent } from '@sveltejs/kit';
import { saveMyTheme } from '$lib/server/preferences/queries';
import { themeSchema } from '$lib/server/preferences/schemas';
import { rememberTheme } from '$lib/server/preferences/service';
import { formAction, refused } from '$lib/server/platform/web/actions';
import { parseForm } from '$lib/server/platform/web/forms';
import type { Actions } from './$types';

/** Back to the page the form was on, when the browser says and it is this site's; else /account. */
function back(event: RequestEvent): string {
	const referer = event.request.headers.get('referer');
	if (referer) {
		const from = URL.canParse(referer) ? new URL(referer) : null;
		if (from && from.origin === event.url.origin && !from.pathname.startsWith('//')) {
			return from.pathname + from.search;
		}
	}
	return '/account';
}

export const actions: Actions = {
	/**
	 * POST /account/preferences?/theme, theme=light|dark|system: from any page, with or without
	 * JavaScript. Stored in the person's row when signed in, in the `tn_theme` cookie otherwise.
	 */
	theme: async (event) => {
		if (event.locals.claims) {
			const { sub } = event.locals.claims;
			const saved = await formAction(event, themeSchema, (trx, { input }) =>
				saveMyTheme(trx, sub, input.theme)
			);
			if (refused(saved)) return saved;
		} else {
			const form = await parseForm(event.request, themeSchema);
			if (!form.ok) return form.failure;
			rememberTheme(event.cookies, form.data.theme, event.url.protocol === 'https:');
		}
		redirect(303, back(event));
	}
};
