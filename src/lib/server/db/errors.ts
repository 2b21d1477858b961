/**
 * Stable database error codes (raised with `using errcode = 'TNxxx'`, listed in docs/error-codes.md)
 * and what a person is told for each; the only place these sentences live in the app.
 */
export const DB_ERROR_MESSAGES: Record<string, { field?: string; message: string }> = {
	TN010: {
		field: 'slug',
		message:
			'Use 3–63 lowercase letters, digits and single hyphens, not starting or ending with a hyphen.'
	},
	TN011: { field: 'slug', message: 'That address is taken.' },
	TN012: { field: 'timezone', message: 'Unknown time zone (use a name such as Europe/Paris).' },
	TN013: { field: 'name', message: 'Give the organisation a name of 1–100 characters.' },
	TN014: { field: 'region', message: 'Choose one of the listed data regions.' }
};

/** The message (and field) for a database error with a known code, or null for anything else. */
export function describeDbError(error: unknown): { field?: string; message: string } | null {
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === 'string' && code in DB_ERROR_MESSAGES ? DB_ERROR_MESSAGES[code]! : null;
}
