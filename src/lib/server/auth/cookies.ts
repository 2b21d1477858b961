/**
 * The session in the browser: the access token and the refresh token in httpOnly, SameSite=Lax
 * cookies (Secure everywhere but plain-http localhost). An expired access token is refreshed once
 * per request; a refresh that fails signs the person out.
 */
import type { Cookies } from '@sveltejs/kit';
import { isAuthError } from './errors';
import type { AccessClaims, AuthProvider, AuthSession } from './provider';

export const ACCESS_COOKIE = 'tenantry_access';
export const REFRESH_COOKIE = 'tenantry_refresh';
const REFRESH_MAX_AGE = 60 * 60 * 24 * 30;

function options(url: URL, maxAge: number) {
	const local = url.protocol === 'http:' && /(^|\.)localhost$|^127\.0\.0\.1$/.test(url.hostname);
	return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: !local, maxAge };
}

export function setSessionCookies(cookies: Cookies, url: URL, session: AuthSession): void {
	cookies.set(ACCESS_COOKIE, session.accessToken, options(url, session.expiresIn));
	cookies.set(REFRESH_COOKIE, session.refreshToken, options(url, REFRESH_MAX_AGE));
}

export function clearSessionCookies(cookies: Cookies, url: URL): void {
	cookies.delete(ACCESS_COOKIE, options(url, 0));
	cookies.delete(REFRESH_COOKIE, options(url, 0));
}

/** The claims of the person making the request, or null when nobody is signed in. */
export async function readSession(
	auth: AuthProvider,
	cookies: Cookies,
	url: URL
): Promise<AccessClaims | null> {
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
