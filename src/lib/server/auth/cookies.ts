/**
 * The session in the browser. A provider with cookies of its own (`sessionCookies`: the Supabase
 * provider's @supabase/ssr cookies, supabase-cookies.ts) keeps it there; otherwise it is kept
 * here: the access token and the refresh token in httpOnly, SameSite=Lax cookies (Secure
 * everywhere but plain-http localhost). An expired access token is refreshed once per request; a
 * refresh that fails signs the person out.
 */
import type { Cookies } from '@sveltejs/kit';
import { isAuthError } from './errors';
import type { AccessClaims, AuthProvider, AuthSession, CookieEvent } from './provider';

export const ACCESS_COOKIE = 'tenantry_access';
export const REFRESH_COOKIE = 'tenantry_refresh';
const REFRESH_MAX_AGE = 60 * 60 * 24 * 30;

/** Plain http on localhost, where browsers keep no Secure cookie. */
export function insecureOrigin(url: URL): boolean {
	return url.protocol === 'http:' && /(^|\.)localhost$|^127\.0\.0\.1$/.test(url.hostname);
}

function options(url: URL, maxAge: number) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: !insecureOrigin(url),
		maxAge
	};
}

/** Keeps a session that sign-in or a step-up returned in the browser, in the provider's format. */
export async function writeSession(
	auth: AuthProvider,
	event: CookieEvent,
	session: AuthSession
): Promise<void> {
	if (auth.sessionCookies) return auth.sessionCookies.write(event, session);
	setSessionCookies(event.cookies, event.url, session);
}

/** Forgets the session in this browser, in the provider's format. */
export async function forgetSession(auth: AuthProvider, event: CookieEvent): Promise<void> {
	if (auth.sessionCookies) return auth.sessionCookies.clear(event);
	clearSessionCookies(event.cookies, event.url);
}

function setSessionCookies(cookies: Cookies, url: URL, session: AuthSession): void {
	cookies.set(ACCESS_COOKIE, session.accessToken, options(url, session.expiresIn));
	cookies.set(REFRESH_COOKIE, session.refreshToken, options(url, REFRESH_MAX_AGE));
}

function clearSessionCookies(cookies: Cookies, url: URL): void {
	cookies.delete(ACCESS_COOKIE, options(url, 0));
	cookies.delete(REFRESH_COOKIE, options(url, 0));
}

/** The claims of the person making the request, or null when nobody is signed in. */
export async function readSession(
	auth: AuthProvider,
	event: CookieEvent
): Promise<AccessClaims | null> {
	if (auth.sessionCookies) return auth.sessionCookies.read(event);
	const { cookies, url } = event;
	const access = cookies.get(ACCESS_COOKIE);
	if (access) {
		try {
			return await auth.verifyAccessToken(access);
		} catch (error) {
			if (!isAuthError(error, 'token_expired')) {
				clearSessionCookies(cookies, url);
				return null;
			}
		}
	}
	const refresh = cookies.get(REFRESH_COOKIE);
	if (!refresh) return null;
	try {
		const session = await auth.refresh(refresh);
		setSessionCookies(cookies, url, session);
		return await auth.verifyAccessToken(session.accessToken);
	} catch (error) {
		if (!isAuthError(error)) throw error;
		clearSessionCookies(cookies, url);
		return null;
	}
}
