/**
 * The one form action every page's actions are built on (`formAction`; tenant pages use
 * `tenantAction` in tenancy/actions.ts, the console `staffAction` in admin/guard.ts): the form
 * parsed with zod, the caller's claims or a 401, the write run as the caller in ONE transaction,
 * and a refusal the database explains (the error catalogue, platform/errors.ts) answered as a
 * field or form error with the values kept and the plan's limit flagged. The transaction is rolled
 * back on a refusal, so nothing is half done. Anything unexpected is thrown: SvelteKit logs it and
 * shows the error page.
 */
import { error, fail, isActionFailure, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { AccessClaims } from '../../auth';
import { withClaims } from '../db';
import type { DB } from '../database';
import { describeDbError, type ErrorContext } from '../errors';
import { parseForm, type FormFailure } from './forms';

export type Refusal = ActionFailure<FormFailure>;

export function requireClaims(locals: App.Locals): AccessClaims {
	if (!locals.claims) error(401, 'Sign in first.');
	return locals.claims;
}

/** Did the action refuse (a `fail(…)`) rather than succeed? */
export function refused(result: unknown): result is Refusal {
	return isActionFailure(result);
}

/** The submitted form: parsed input and the values to keep (never a secret). */
export interface Submitted<I> {
	input: I;
	values: Record<string, string>;
}

export interface ActionOptions {
	/** The page whose own words the catalogue uses for its refusals. */
	explain?: ErrorContext;
}

/**
 * Parses the form with `schema` (none for a bare button), then runs `write` in one transaction as
 * the caller. `write` returns the action's answer — `{ ok: … }`, or a `Refusal` it builds itself
 * (formError / fieldError) — and a refusal the database raises comes back as one.
 */
export async function formAction<S extends z.ZodType, T>(
	event: Pick<RequestEvent, 'locals' | 'request'>,
	schema: S | null,
	write: (trx: Transaction<DB>, form: Submitted<z.output<S>>) => Promise<T>,
	options: ActionOptions = {}
): Promise<T | Refusal> {
	let form: Submitted<z.output<S>> = { input: undefined as z.output<S>, values: {} };
	if (schema) {
		const parsed = await parseForm(event.request, schema);
		if (!parsed.ok) return parsed.failure;
		form = { input: parsed.data, values: parsed.values };
	}
	return inTransaction(
		requireClaims(event.locals),
		form.values,
		(trx) => write(trx, form),
		options
	);
}

/**
 * Runs `write` in one transaction as the caller and answers a refusal the catalogue explains, with
 * `values` kept: the part of formAction for an action that reads its own body (the proof upload).
 */
export async function inTransaction<T>(
	claims: AccessClaims,
	values: Record<string, string>,
	write: (trx: Transaction<DB>) => Promise<T>,
	options: ActionOptions = {}
): Promise<T | Refusal> {
	try {
		return await withClaims(claims, write);
	} catch (e) {
		const refusal = refusalFor(e, values, options.explain);
		if (!refusal) throw e;
		return refusal;
	}
}

/** The `fail(400, …)` for a database error the catalogue explains, or null for anything else. */
export function refusalFor(
	e: unknown,
	values: Record<string, string>,
	context?: ErrorContext
): Refusal | null {
	const known = describeDbError(e, context);
	if (!known) return null;
	return fail(400, {
		errors: known.field ? { [known.field]: [known.message] } : {},
		values,
		...(known.field ? {} : { message: known.message }),
		...(known.quota ? { quota: true } : {})
	});
}
