/**
 * The toast an action's redirect carries to the next page ("Team deleted.", "You joined Acme
 * Inc"): a short-lived, httpOnly cookie the root layout reads once and clears. With JavaScript the
 * enhanced form follows the redirect and reruns the layouts; without it the browser loads the
 * next page; ActionToasts shows it either way.
 */
import { redirect, type Cookies } from '@sveltejs/kit';

const COOKIE = 'tn_toast';
const MAX_LENGTH = 300;

/** Redirects (303) to `location` with `message` toasted there. */
export function redirectWithToast(cookies: Cookies, location: string, message: string): never {
	cookies.set(COOKIE, message.slice(0, MAX_LENGTH), {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		maxAge: 60
	});
	redirect(303, location);
}

/** The toast a redirect left, once: it is cleared as it is read. */
export function takeToast(cookies: Cookies): { id: string; message: string } | null {
	const message = cookies.get(COOKIE);
	if (!message) return null;
	cookies.delete(COOKIE, { path: '/' });
	return { id: crypto.randomUUID(), message: message.slice(0, MAX_LENGTH) };
}
