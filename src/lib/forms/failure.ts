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
