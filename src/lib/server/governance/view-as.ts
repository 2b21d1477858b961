/**
 * "View as" in the web app. A support staff member who started a session on /admin/tenants/<id>
 * carries its id in the `tenantry_view_as` cookie; on every request outside the console, account
 * and auth pages, hooks.server.ts swaps the request's claims for the member's — `sub` the member,
 * plus `impersonation_id`, `impersonator` and the staff member's own `session_id` — after SQL
 * confirmed (in the staff member's own transaction) that the session is theirs and open. Every
 * transaction under those claims starts with private.assert_impersonation_active() (rls.ts):
 * TN509 once the view ended, expired or the staff member signed out, and a read-only transaction
 * unless the view allows changes, so Postgres itself refuses every write.
 */
import type { Cookies } from '@sveltejs/kit';
import type { AccessClaims } from '../auth';
import { insecureOrigin } from '../auth/cookies';
import { withClaims } from '../platform/db';
import { myOpenImpersonation, type ImpersonationRow } from './queries';

export const VIEW_AS_COOKIE = 'tenantry_view_as';

/** Paths that stay the staff member's own while they view as someone. */
const OWN_PATHS = /^\/(admin|auth|account|api)(\/|$)/;

/** What the staff member's banner says about the view. */
export interface ViewAs {
	id: string;
	tenantId: string;
	memberEmail: string;
	allowWrites: boolean;
	expiresAt: Date;
}

/** The claims a view-as transaction runs under (the loose claims rls.ts passes to SQL). */
export type ViewAsClaims = AccessClaims & { impersonation_id: string; impersonator: string };

export function viewAsClaims(
	staff: AccessClaims,
	session: ImpersonationRow,
	memberEmail: string
): ViewAsClaims {
	return {
		...staff,
		sub: session.targetUserId,
		email: memberEmail,
		app_metadata: {},
		user_metadata: {},
		impersonation_id: session.id,
		impersonator: staff.sub
	};
}

export function rememberViewAs(cookies: Cookies, url: URL, id: string, expiresAt: Date): void {
	cookies.set(VIEW_AS_COOKIE, id, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: !insecureOrigin(url),
		maxAge: Math.max(1, Math.round((expiresAt.getTime() - Date.now()) / 1000))
	});
}

export function forgetViewAs(cookies: Cookies, url: URL): void {
	cookies.delete(VIEW_AS_COOKIE, { path: '/', secure: !insecureOrigin(url) });
}

/**
 * The request's claims while its staff member views as someone (null: not viewing, or the view is
 * over — the cookie is then forgotten). One transaction as the staff member themselves.
 */
export async function resolveViewAs(
	event: { cookies: Cookies; url: URL },
	staff: AccessClaims
): Promise<{ claims: ViewAsClaims; viewAs: ViewAs } | null> {
	const id = event.cookies.get(VIEW_AS_COOKIE);
	if (!id || OWN_PATHS.test(event.url.pathname)) return null;
	const found = /^[0-9a-f-]{36}$/i.test(id)
		? await withClaims(staff, (trx) => myOpenImpersonation(trx, id, staff.sub))
		: undefined;
	if (!found) {
		forgetViewAs(event.cookies, event.url);
		return null;
	}
	return {
		claims: viewAsClaims(staff, found, found.targetEmail),
		viewAs: {
			id: found.id,
			tenantId: found.tenantId,
			memberEmail: found.targetEmail,
			allowWrites: found.allowWrites,
			expiresAt: found.expiresAt
		}
	};
}
