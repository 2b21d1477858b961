/**
 * What a refused form submission carries back to its page (`fail(400, …)` from
 * `$lib/server/platform/web/forms`): field errors, the values kept (never secrets) and a message about the
 * whole form. Shared by the server that builds it and the pages that read it.
 */
export type FieldErrors = Record<string, string[]>;

export interface FormFailure {
	errors: FieldErrors;
	values: Record<string, string>;
	message?: string;
	/** Set when the refusal was the plan's limit (TN070): the page points to billing. */
	quota?: boolean;
}

/** The one sentence a refusal shows where there is room for one: its message, else its first field error. */
export function failureSentence(failure: Partial<FormFailure> | undefined): string {
	if (failure?.message) return failure.message;
	const first = Object.values(failure?.errors ?? {}).find((list) => list.length > 0)?.[0];
	return first ?? 'The action was refused: check what you typed and try again.';
}
