/**
 * What a request does when the database says its session has ended (TN006 from the session
 * check at the start of every user transaction): the browser's cookies are cleared and the
 * person is sent to sign in — from a page load, a form action (with or without JavaScript) or an
 * endpoint alike. The `authenticate` handle runs each request inside `withRequestCookies`, so the
 * database helper that sees the refusal can reach the request's cookies without being passed them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { redirect, type Cookies } from '@sveltejs/kit';
import { clearSessionCookies } from './cookies';

interface RequestCookies {
	cookies: Cookies;
	url: URL;
	method: string;
	locals: { claims: unknown };
}

const scope = new AsyncLocalStorage<RequestCookies>();

export function withRequestCookies<T>(request: RequestCookies, fn: () => T): T {
	return scope.run(request, fn);
}

/**
 * Signs the current request out and redirects (303) to the sign-in page, which says the session
 * ended and comes back here. Outside a request (a script, a test) the refusal is rethrown as is.
 */
export function signOutEndedSession(refusal: unknown): never {
	const request = scope.getStore();
	if (!request) throw refusal;
	clearSessionCookies(request.cookies, request.url);
	request.locals.claims = null;
	const back =
		request.method === 'GET' ? request.url.pathname + request.url.search : request.url.pathname;
	redirect(303, `/auth/sign-in?ended=1&redirectTo=${encodeURIComponent(back)}`);
}
