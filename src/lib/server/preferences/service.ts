/**
 * The preferences a request renders with. A signed-in person's come from their row (the defaults
 * without one), read once and then mirrored in the `tn_prefs` cookie (keyed to the person), so a
 * page costs no transaction of its own for them — saving drops the mirror; an anonymous visitor's
 * theme from the `tn_theme` cookie and their language from Accept-Language. The time zone is
 * settled per page: the person's own, else the organisation's (the tenant layout), else UTC.
 * The mirror is only ever the person's own look and feel: trusting it decides nothing else.
 */
import type { Cookies } from '@sveltejs/kit';
import { z } from 'zod';
import type { AccessClaims } from '../auth';
import { withClaims } from '../platform/db';
import {
	DATE_FORMATS,
	DEFAULT_PREFERENCES,
	LANGUAGES,
	isTheme,
	THEMES,
	localeFromAcceptLanguage,
	THEME_COOKIE,
	type Preferences,
	type RequestPreferences,
	type Theme
} from '../../format/preferences';
import { getMyPreferences } from './queries';

const MIRROR_COOKIE = 'tn_prefs';

const mirrorSchema = z.object({
	user: z.string(),
	theme: z.enum(THEMES),
	timeZone: z.string().nullable(),
	dateFormat: z.enum(DATE_FORMATS),
	locale: z.enum(LANGUAGES)
});

function readMirror(cookies: Pick<Cookies, 'get'>, userId: string): RequestPreferences | null {
	const raw = cookies.get(MIRROR_COOKIE);
	if (!raw) return null;
	try {
		const parsed = mirrorSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString()));
		if (!parsed.success || parsed.data.user !== userId) return null;
		const { theme, timeZone, dateFormat, locale } = parsed.data;
		return { theme, timeZone, dateFormat, locale };
	} catch {
		return null;
	}
}

/** After the person saves their preferences: the next request reads the row again. */
export function forgetPreferencesMirror(cookies: Pick<Cookies, 'delete'>): void {
	cookies.delete(MIRROR_COOKIE, { path: '/' });
}

export async function requestPreferences(event: {
	locals: { claims: AccessClaims | null };
	cookies: Pick<Cookies, 'get' | 'set'>;
	request: Request;
	url: URL;
}): Promise<RequestPreferences> {
	const { claims } = event.locals;
	if (claims) {
		const mirrored = readMirror(event.cookies, claims.sub);
		if (mirrored) return mirrored;
		const stored = await withClaims(claims, (trx) => getMyPreferences(trx, claims.sub));
		const preferences: RequestPreferences = stored
			? {
					theme: stored.theme,
					timeZone: stored.timeZone,
					dateFormat: stored.dateFormat,
					locale: stored.language
				}
			: {
					...DEFAULT_PREFERENCES,
					timeZone: null,
					locale: localeFromAcceptLanguage(event.request.headers.get('accept-language'))
				};
		event.cookies.set(
			MIRROR_COOKIE,
			Buffer.from(JSON.stringify({ user: claims.sub, ...preferences })).toString('base64url'),
			{
				path: '/',
				httpOnly: true,
				sameSite: 'lax',
				secure: event.url.protocol === 'https:',
				maxAge: 60 * 60 * 24 * 30
			}
		);
		return preferences;
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
