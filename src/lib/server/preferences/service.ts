/**
 * The preferences a request renders with. A signed-in person's come from their row (the defaults
 * without one); an anonymous visitor's theme from the `tn_theme` cookie and their language from
 * Accept-Language. The time zone is settled per page: the person's own, else the organisation's
 * (the tenant layout), else UTC.
 */
import type { Cookies } from '@sveltejs/kit';
import type { AccessClaims } from '../auth';
import { withClaims } from '../platform/db';
import {
	DEFAULT_PREFERENCES,
	isTheme,
	localeFromAcceptLanguage,
	THEME_COOKIE,
	type Preferences,
	type RequestPreferences,
	type Theme
} from '../../format/preferences';
import { getMyPreferences } from './queries';

export async function requestPreferences(event: {
	locals: { claims: AccessClaims | null };
	cookies: Pick<Cookies, 'get'>;
	request: Request;
}): Promise<RequestPreferences> {
	const { claims } = event.locals;
	if (claims) {
		const stored = await withClaims(claims, (trx) => getMyPreferences(trx, claims.sub));
		if (stored) {
			return {
				theme: stored.theme,
				timeZone: stored.timeZone,
				dateFormat: stored.dateFormat,
				locale: stored.language
			};
		}
	}
	const cookie = event.cookies.get(THEME_COOKIE);
	return {
		theme: isTheme(cookie) ? cookie : DEFAULT_PREFERENCES.theme,
		timeZone: null,
		dateFormat: DEFAULT_PREFERENCES.dateFormat,
		locale: localeFromAcceptLanguage(event.request.headers.get('accept-language'))
	};
}

/** What pages format with: the request's preferences with the time zone settled. */
export function pagePreferences(
	preferences: RequestPreferences,
	organisationTimeZone?: string | null
): Preferences {
	return {
		...preferences,
		timeZone: preferences.timeZone ?? organisationTimeZone ?? DEFAULT_PREFERENCES.timeZone
	};
}

/** An anonymous visitor's theme, for a year. */
export function rememberTheme(cookies: Pick<Cookies, 'set'>, theme: Theme, secure: boolean): void {
	cookies.set(THEME_COOKIE, theme, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		maxAge: 60 * 60 * 24 * 365
	});
}
