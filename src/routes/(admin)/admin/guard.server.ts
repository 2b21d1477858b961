/**
 * Who may use the console. Someone signed in but not platform staff gets the same 404 as for a
 * page that does not exist, so the console's existence tells them nothing. Staff whose role does
 * not include a page get a 403. Actions check again (they do not run the layout's load); SQL
 * enforces every rule regardless.
 */
import { basename } from 'node:path';
import { error, redirect } from '@sveltejs/kit';
import { sql } from 'kysely';
import type { AccessClaims } from '$lib/server/auth';
import { withClaims } from '$lib/server/platform/db';
import { myStaffRole } from '$lib/server/admin/staff';
import { hasStaffRole, type StaffRole } from '$lib/admin/schemas';
import { ensureRuntime, getAuth } from '$lib/server/platform/runtime';

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
 * The console needs an aal2 session: staff with an authenticator app step up, and — whenever
 * `staffMustEnrol()` — staff without one are sent to enrol first. Both go to /account/security
 * and come back to the page they asked for.
 */
async function requireSecondFactor(claims: AccessClaims, url: URL): Promise<void> {
	if (claims.aal === 'aal2') return;
	const [{ next }, mustEnrol] = await Promise.all([
		(await getAuth()).getAssuranceLevel(claims),
		staffMustEnrol()
	]);
	if (next === 'aal2' || mustEnrol) {
		redirect(303, `/account/security?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
}

let demoDatabase: Promise<boolean> | undefined;

/**
 * ADMIN_REQUIRE_MFA when it is set; unset, every staff member needs a second factor except on the
 * demo database — the embedded one `npm start` seeded from SEED_FILE, whose staff accounts have a
 * published password and no authenticator, so that the demo's console opens with the password.
 */
export async function staffMustEnrol(): Promise<boolean> {
	const { config, engine } = await ensureRuntime();
	if (config.ADMIN_REQUIRE_MFA !== undefined) return config.ADMIN_REQUIRE_MFA;
	if (config.DB_ENGINE !== 'embedded') return true;
	demoDatabase ??= sql<{ seeded: boolean }>`
		select exists (select 1 from supabase_migrations.seed_files
		                where path = ${basename(config.SEED_FILE)}) as seeded`
		.execute(engine.db)
		.then((result) => result.rows[0]?.seeded === true);
	return !(await demoDatabase);
}

export function requireRole(role: StaffRole, needed: StaffRole): void {
	if (!hasStaffRole(role, needed)) error(403, `This page needs the ${needed} staff role.`);
}
