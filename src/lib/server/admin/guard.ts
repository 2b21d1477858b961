/**
 * Who may use the console. Someone signed in but not platform staff gets the same 404 as for a
 * page that does not exist, so the console's existence tells them nothing. Staff whose role does
 * not include a page get a 403. Actions check again (they do not run the layout's load); SQL
 * enforces every rule regardless.
 */
import { basename } from 'node:path';
import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { AccessClaims } from '../auth';
import type { DB } from '../platform/database';
import { wasSeededFrom, withClaims } from '../platform/db';
import { ensureRuntime, getAuth } from '../platform/runtime';
import {
	formAction,
	type ActionOptions,
	type Refusal,
	type Submitted
} from '../platform/web/actions';
import { STAFF_ROLES, type StaffRole } from '../../admin/schemas';
import { myStaffRole, staffRolesHeld, type StaffRolesHeld } from './staff';

/** The message of the app's 404 page for a route that does not exist (handleError, hooks.server.ts). */
export const NOT_FOUND = 'Not found';

export async function requireStaff(
	locals: App.Locals,
	url: URL,
	needed?: StaffRole
): Promise<{ claims: AccessClaims; role: StaffRole; holds: StaffRolesHeld }> {
	if (!locals.claims) {
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
	const { role, holds } = await withClaims(locals.claims, async (trx) => ({
		role: await myStaffRole(trx),
		holds: await staffRolesHeld(trx)
	}));
	if (!role) error(404, NOT_FOUND);
	await requireSecondFactor(locals.claims, url);
	if (needed) requireRole(holds, needed);
	return { claims: locals.claims, role, holds };
}

/**
 * A console form action: the gate (requireStaff: signed in, staff, second factor, the role SQL
 * says they hold) and then formAction, the write in one transaction as the staff member. SQL
 * checks the role again in the write (TN061, RLS).
 */
export async function staffAction<S extends z.ZodType, T>(
	event: Pick<RequestEvent, 'locals' | 'request' | 'url'>,
	needed: StaffRole,
	schema: S | null,
	write: (
		trx: Transaction<DB>,
		form: Submitted<z.output<S>>,
		staff: { claims: AccessClaims }
	) => Promise<T>,
	options?: ActionOptions
): Promise<T | Refusal> {
	const { claims } = await requireStaff(event.locals, event.url, needed);
	return formAction(event, schema, (trx, form) => write(trx, form, { claims }), options);
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
	const { config } = await ensureRuntime();
	if (config.ADMIN_REQUIRE_MFA !== undefined) return config.ADMIN_REQUIRE_MFA;
	if (config.DB_ENGINE !== 'embedded') return true;
	demoDatabase ??= wasSeededFrom(basename(config.SEED_FILE));
	return !(await demoDatabase);
}

/** A 403 unless SQL said the caller holds `needed` (public.has_staff_role, read by requireStaff). */
export function requireRole(holds: StaffRolesHeld, needed: StaffRole): void {
	if (!holds[needed]) error(403, `This page needs the ${needed} staff role.`);
}

export { STAFF_ROLES };
