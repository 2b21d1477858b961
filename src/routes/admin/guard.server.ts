/**
 * Who may use the console. Someone signed in but not platform staff gets the same 404 as for a
 * page that does not exist, so the console's existence tells them nothing. Staff whose role does
 * not include a page get a 403. Actions check again (they do not run the layout's load); SQL
 * enforces every rule regardless.
 */
import { error, redirect } from '@sveltejs/kit';
import type { AccessClaims } from '$lib/server/auth';
import { withClaims } from '$lib/server/db';
import { myStaffRole } from '$lib/server/db/admin';
import { hasStaffRole, type StaffRole } from '$lib/schemas/admin';
import { ensureRuntime, getAuth } from '$lib/server/runtime';

/** SvelteKit's own message for a route that does not exist. */
export const NOT_FOUND = 'Not Found';

export async function requireStaff(
	locals: App.Locals,
	url: URL,
	needed?: StaffRole
): Promise<{ claims: AccessClaims; role: StaffRole }> {
	if (!locals.claims) {
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
	const role = await withClaims(locals.claims, myStaffRole);
	if (!role) error(404, NOT_FOUND);
	await requireSecondFactor(locals.claims, url);
	if (needed) requireRole(role, needed);
	return { claims: locals.claims, role };
}

/**
 * Staff with an authenticator app use the console only from a verified (aal2) session; with
 * ADMIN_REQUIRE_MFA on (set it in production) staff without one are sent to enrol first.
 */
async function requireSecondFactor(claims: AccessClaims, url: URL): Promise<void> {
	if (claims.aal === 'aal2') return;
	const [{ next }, { config }] = await Promise.all([
		(await getAuth()).getAssuranceLevel(claims),
		ensureRuntime()
	]);
	if (next === 'aal2' || config.ADMIN_REQUIRE_MFA) {
		redirect(303, `/account/security?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
}

export function requireRole(role: StaffRole, needed: StaffRole): void {
	if (!hasStaffRole(role, needed)) error(403, `This page needs the ${needed} staff role.`);
}
