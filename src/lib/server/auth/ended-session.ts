/**
 * What a request does when the database says its session has ended (TN006 from the session
 * check at the start of every user transaction): the browser's cookies are cleared and the
 * person is sent to sign in — from a page load, a form action (with or without JavaScript) or an
 * endpoint alike. The `authenticate` handle runs each request inside `withRequestCookies`, so the
 * database helper that sees the refusal can reach the request's cookies without being passed them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { redirect } from '@sveltejs/kit';
import { forgetSession } from './cookies';
import type { AuthProvider, CookieEvent } from './provider';

interface RequestCookies {
	auth: AuthProvider;
	event: CookieEvent;
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
export async function signOutEndedSession(refusal: unknown): Promise<never> {
	const request = scope.getStore();
	if (!request) throw refusal;
	await forgetSession(request.auth, request.event);
	request.locals.claims = null;
	const { url } = request.event;
	const back = request.method === 'GET' ? url.pathname + url.search : url.pathname;
	redirect(303, `/auth/sign-in?ended=1&redirectTo=${encodeURIComponent(back)}`);
}
