/**
 * What every tenant page's actions share: the caller's claims or a 401, and a write run under RLS
 * whose refusals (stable TN codes, constraint violations) come back as field or form errors with
 * the values kept. Anything unexpected is thrown: SvelteKit logs it and shows the error page.
 */
import { error, type ActionFailure } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { AccessClaims } from '../../auth';
import { withClaims } from '../db';
import type { DB } from '../database';
import { describeDbError } from '../errors';
import { fieldError, formError, type FormFailure } from './forms';

export function requireClaims(locals: App.Locals): AccessClaims {
	if (!locals.claims) error(401, 'Sign in first.');
	return locals.claims;
}

/**
 * Runs `write` in one transaction as the caller. A refusal the database explains becomes a
 * `fail(400)` naming the field it is about; the transaction is rolled back, so nothing is half done.
 */
export async function mutate<T>(
	locals: App.Locals,
	values: Record<string, string>,
	write: (trx: Transaction<DB>) => Promise<T>
): Promise<{ ok: true; value: T } | { ok: false; failure: ActionFailure<FormFailure> }> {
	try {
		return { ok: true, value: await withClaims(requireClaims(locals), write) };
	} catch (e) {
		const known = describeDbError(e);
		if (!known) throw e;
		return {
			ok: false,
			failure: known.field
				? fieldError(known.field, known.message, values)
				: formError(400, known.message, values)
		};
	}
}
