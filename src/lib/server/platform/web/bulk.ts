/**
 * Bulk actions on the rows ticked in a DataTable: the ids posted as `ids` (read with zod), then
 * the module's own one-row service called once per id inside the action's one transaction, each
 * in a savepoint, so a row the database refuses is rolled back alone and reported in a sentence
 * while the others go through. Anything the error catalogue does not explain is thrown.
 */
import { fail, type ActionFailure } from '@sveltejs/kit';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { FormFailure } from '../../../forms/failure';
import type { DB } from '../database';
import { describeDbError, type ErrorContext } from '../errors';
import { MAX_LIMIT } from '../list';

/** The ticked ids (a page's rows, so at most MAX_LIMIT), or the sentence asking for some. */
export async function parseSelection(
	request: Request,
	what: string
): Promise<{ ok: true; ids: string[] } | { ok: false; failure: ActionFailure<FormFailure> }> {
	const posted = (await request.formData()).getAll('ids');
	const parsed = z
		.array(z.uuid(), { error: `Choose ${what}.` })
		.min(1, { error: `Tick at least one ${what} first.` })
		.max(MAX_LIMIT, { error: `Tick at most ${MAX_LIMIT} at a time.` })
		.safeParse([...new Set(posted)]);
	if (!parsed.success) {
		return {
			ok: false,
			failure: fail(400, { errors: { ids: [parsed.error.issues[0]!.message] }, values: {} })
		};
	}
	return { ok: true, ids: parsed.data };
}

export interface BulkOutcome {
	done: number;
	/** One sentence per refused row: "Ada Owner: An organisation keeps at least one owner…". */
	refusals: string[];
}

/**
 * Runs `each` for every id in its own savepoint of `trx`. `each` returns a sentence to refuse
 * the row itself (it is rolled back), or nothing when done; a refusal the catalogue explains is
 * caught and worded with the row's `label`.
 */
export async function eachApart(
	trx: Transaction<DB>,
	ids: string[],
	label: (id: string) => string,
	each: (id: string) => Promise<string | void>,
	context?: ErrorContext
): Promise<BulkOutcome> {
	const outcome: BulkOutcome = { done: 0, refusals: [] };
	for (const id of ids) {
		await sql`savepoint bulk_row`.execute(trx);
		let refusal: string | void;
		try {
			refusal = await each(id);
		} catch (e) {
			const known = describeDbError(e, context);
			if (!known) throw e;
			refusal = known.message;
		}
		if (refusal) {
			await sql`rollback to savepoint bulk_row`.execute(trx);
			outcome.refusals.push(`${label(id)}: ${refusal}`);
		} else {
			await sql`release savepoint bulk_row`.execute(trx);
			outcome.done += 1;
		}
	}
	return outcome;
}

/**
 * The action's answer: `{ ok, refusals }` when at least one row went through, else a form error
 * listing every refusal (nothing changed).
 */
export function bulkAnswer(
	outcome: BulkOutcome,
	done: (count: number) => string
): { ok: string; refusals: string[] } | ActionFailure<FormFailure> {
	if (outcome.done === 0) {
		return fail(400, { errors: {}, values: {}, message: outcome.refusals.join(' ') });
	}
	return { ok: done(outcome.done), refusals: outcome.refusals };
}
