/**
 * Stable database error codes (raised with `using errcode = 'TNxxx'`, listed in docs/error-codes.md)
 * and what a person is told for each; the only place these sentences live in the app. Constraints
 * a page can trip with a plain write are worded by name (`DB_CONSTRAINT_MESSAGES`).
 */
import { REJECTION_NOTE_REQUIRED } from '../../admin/schemas';
import { NO_PERMISSION } from '../roles/schemas';

const RESERVED_SLUG = 'That address is reserved; choose another.';

export const DB_ERROR_MESSAGES: Record<string, { field?: string; message: string }> = {
	TN001: { message: 'Sign in first.' },
	TN002: { message: 'You do not have permission to do that.' },
	TN003: { message: 'No such member or organisation.' },
	TN004: {
		message:
			'This organisation requires two-factor authentication: verify a code from your app first.'
	},
	TN005: { message: 'This organisation is not active (pending approval, suspended or archived).' },
	TN006: { message: 'Your session has ended: sign in again.' },
	TN010: {
		field: 'slug',
		message:
			'Use 3–63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen.'
	},
	TN011: { field: 'slug', message: 'That address is taken.' },
	TN012: { field: 'timezone', message: 'Unknown time zone (use a name such as Europe/Paris).' },
	TN013: { field: 'name', message: 'Give the organisation a name of 1–100 characters.' },
	TN014: { field: 'region', message: 'Choose one of the listed data regions.' },
	TN015: { field: 'slug', message: RESERVED_SLUG },
	TN020: { message: 'This invitation link is not valid.' },
	TN021: { message: 'This invitation was already used.' },
	TN022: { message: 'This invitation was revoked.' },
	TN023: { message: 'This invitation has expired: ask for a new one.' },
	TN024: {
		message: 'This invitation was sent to another email address: sign in with that address.'
	},
	TN025: { message: 'Confirm your email address first.' },
	TN026: { field: 'email', message: 'Already a member of this organisation.' },
	TN027: { field: 'email', message: 'Enter an email address such as name@example.com.' },
	TN030: { field: 'role', message: 'That role grants a permission you do not hold.' },
	TN031: {
		message: 'An organisation keeps at least one owner: make someone else an owner first.'
	},
	TN032: { message: 'You cannot change your own role or remove yourself here.' },
	TN033: { field: 'role', message: 'Only owners can make, change, invite or remove owners.' },
	TN034: { message: 'That member holds permissions you do not: ask an owner.' },
	TN035: { field: 'role', message: 'That role cannot be used here.' },
	TN036: { field: 'role', message: 'Ownership is given by transferring it, not as a role.' },
	TN039: { field: 'permissions', message: NO_PERMISSION },
	TN040: { message: 'That value can never change.' },
	TN041: { message: 'That can only be changed through its own action.' },
	TN050: { message: 'The audit trail is append-only.' },
	TN060: { message: 'The organisation cannot move to that status from its current one.' },
	TN061: { message: 'Only platform staff can do that.' },
	TN070: { message: 'Your plan’s limit is reached: upgrade the plan to add more.' },
	TN071: {
		message: 'This would go past the plan’s hard limit for the period; nothing was recorded.'
	},
	TN072: { message: 'Usage events are never changed or deleted.' },
	TN073: {
		field: 'proof',
		message:
			'Too many of your payment proofs were rejected in the last 30 days: write to billing support before sending another.'
	},
	TN074: { message: 'A payment is already waiting for verification, or was already verified.' },
	TN075: { message: 'Check the plan, the amount and the proof file.' },
	TN076: {
		message:
			'Usage is a positive quantity of a metered metric, at most 24 hours old; a correction cannot take it below zero.'
	},
	TN077: { message: 'This subscription is managed in Stripe: change it in the customer portal.' },
	TN078: { message: 'That is not a Stripe event.' },
	TN079: {
		field: 'acceptAmount',
		message:
			'The amount paid differs from the amount due: tick “Approve a different amount” and give the reason.'
	},
	TN131: { field: 'reason', message: 'Give a reason of 1–500 characters.' },
	TN150: {
		field: 'domain',
		message: 'That domain is verified by another organisation: it must remove it first.'
	},
	// Row-level security refusing a write (WITH CHECK), or a missing grant: for instance any write
	// in an organisation that requires two-factor authentication, from an aal1 session.
	'42501': { message: 'You do not have permission to do that.' },
	'23505': { message: 'That name is already used here: choose another.' },
	'23514': { message: 'One of the values is not allowed: check the fields.' }
};

/** Unique and check constraints (Postgres 23505, 23514) a form can run into, by name. */
export const DB_CONSTRAINT_MESSAGES: Record<string, { field?: string; message: string }> = {
	tenants_slug_reserved: { field: 'slug', message: RESERVED_SLUG },
	tenants_slug_format: {
		field: 'slug',
		message:
			'Use 3–63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen.'
	},
	teams_name_ci_key: { field: 'name', message: 'Another team already has this name.' },
	teams_tenant_id_name_key: { field: 'name', message: 'Another team already has this name.' },
	environments_name_ci_key: {
		field: 'name',
		message: 'This project has an environment with that name already.'
	},
	environments_project_id_name_key: {
		field: 'name',
		message: 'This project has an environment with that name already.'
	},
	payments_rejection_note: { field: 'note', message: REJECTION_NOTE_REQUIRED }
};

/** The message (and field) for a database error with a known code, or null for anything else. */
export function describeDbError(error: unknown): { field?: string; message: string } | null {
	const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
	if (
		(code === '23505' || code === '23514') &&
		typeof constraint === 'string' &&
		constraint in DB_CONSTRAINT_MESSAGES
	)
		return DB_CONSTRAINT_MESSAGES[constraint]!;
	return typeof code === 'string' && code in DB_ERROR_MESSAGES ? DB_ERROR_MESSAGES[code]! : null;
}
