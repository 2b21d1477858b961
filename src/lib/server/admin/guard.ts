/**
 * Who may use the console. Someone signed in but not platform staff gets the same 404 as for a
 * page that does not exist, so the console's existence tells them nothing. Staff whose role does
 * not include a page get a 403. Actions check again (they do not run the layout's load); SQL
 * enforces every rule regardless.
 */
import { basename } from 'node:path';
import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { sql, type Transaction } from 'kysely';
import type { z } from 'zod';
import type { AccessClaims } from '../auth';
import type { DB } from '../platform/database';
import { wasSeededFrom, withClaims } from '../platform/db';
import { ensureRuntime, getAuth } from '../platform/runtime';
import {
	inTransaction,
	type ActionOptions,
	type Refusal,
	type Submitted
} from '../platform/web/actions';
import { NOT_FOUND } from '../platform/errors';
import { parseForm } from '../platform/web/forms';
import { STAFF_ROLES, type StaffRole } from '../../admin/schemas';
import { myStaffRole, staffRolesHeld, type StaffRolesHeld } from './staff';

/** The console's 404 for non-staff reads exactly as the app's own 404 page. */
export { NOT_FOUND };

export interface Staff {
	claims: AccessClaims;
	role: StaffRole;
	holds: StaffRolesHeld;
}

/** The gate for a console load: see withStaff. */
export async function requireStaff(
	locals: App.Locals,
	url: URL,
	needed?: StaffRole
): Promise<Staff> {
	return withStaff(locals, url, needed, async (_trx, staff) => staff);
}

/**
 * `read` in ONE transaction as the caller, behind the gate: SQL's answer to "are they staff, with
 * which roles", then the 404, the second-factor redirect and the 403, in that order.
 */
export async function withStaff<T>(
	locals: App.Locals,
	url: URL,
	needed: StaffRole | undefined,
	read: (trx: Transaction<DB>, staff: Staff) => Promise<T>
): Promise<T> {
	const { claims, stepUp } = await beforeGate(locals, url);
	return withClaims(claims, async (trx) => read(trx, await gate(trx, claims, stepUp, url, needed)));
}

/**
 * A console form action, in ONE transaction as the staff member: the gate (signed in, staff,
 * second factor, the role SQL says they hold), then the form parsed with zod, then `write`, a
 * refusal the catalogue explains answered as formAction does. SQL checks the role again in the
 * write (TN061, RLS).
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
	const { claims, stepUp } = await beforeGate(event.locals, event.url);
	const values: Record<string, string> = {};
	return inTransaction(
		claims,
		values,
		async (trx) => {
			await gate(trx, claims, stepUp, event.url, needed);
			let form: Submitted<z.output<S>> = { input: undefined as z.output<S>, values: {} };
			if (schema) {
				const parsed = await parseForm(event.request, schema);
				if (!parsed.ok) return parsed.failure;
				form = { input: parsed.data, values: parsed.values };
				Object.assign(values, parsed.values);
			}
			return write(trx, form, { claims });
		},
		options
	);
}

/**
 * What the gate needs from outside the request's transaction: the claims (or the sign-in
 * redirect) and whether the session must step up. The console needs an aal2 session: staff with
 * an authenticator app step up, and — whenever `staffMustEnrol()` — staff without one are sent to
 * enrol first. Only an aal1 session on a database where enrolling is optional asks the auth
 * provider whether a verified factor exists (auth.mfa_factors, which the caller's own transaction
 * may not read), so that read happens here, before the transaction, never inside it.
 */
async function beforeGate(
	locals: App.Locals,
	url: URL
): Promise<{ claims: AccessClaims; stepUp: boolean }> {
	if (!locals.claims) {
		redirect(303, `/auth/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
	const claims = locals.claims;
	if (claims.aal === 'aal2') return { claims, stepUp: false };
	if (await staffMustEnrol()) return { claims, stepUp: true };
	const { next } = await (await getAuth()).getAssuranceLevel(claims);
	return { claims, stepUp: next === 'aal2' };
}

/**
 * Inside the request's transaction: a 404 unless SQL says the caller is staff, then a 403 from
 * outside the console's IP allowlist, then the second-factor redirect (to /account/security and
 * back), then a 403 unless they hold `needed`.
 */
async function gate(
	trx: Transaction<DB>,
	claims: AccessClaims,
	stepUp: boolean,
	url: URL,
	needed?: StaffRole
): Promise<Staff> {
	const role = await myStaffRole(trx);
	const holds = await staffRolesHeld(trx);
	if (!role) error(404, NOT_FOUND);
	// The console's IP allowlist (admin.ip_allowlist): TN622, a 403 (platform/db.ts), from elsewhere.
	await sql`select public.assert_console_admitted()`.execute(trx);
	if (stepUp) {
		redirect(303, `/account/security?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
	}
	if (needed) requireRole(holds, needed);
	return { claims, role, holds };
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
