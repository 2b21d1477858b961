/**
 * The product's words for bad input. Every schema builds its text fields from these helpers, so a
 * refusal is a sentence naming the field ("Keep the description under 1,024 characters."), never
 * zod's validator text ("Too big: expected string to have <=1024 characters").
 *
 * Importing this module also installs a fallback error map (`z.config({ customError })`): a check
 * a schema forgot to word still answers with a plain sentence. Every schema module imports it.
 */
import { z } from 'zod';

/** 1024 → "1,024", as the pages print numbers. */
export function count(n: number | bigint): string {
	return Number(n).toLocaleString('en-GB');
}

/** What a person is told when a text is longer than its limit. */
export function tooLong(what: string, max: number): string {
	return `Keep the ${what} under ${count(max)} characters.`;
}

/** The fallback for a check without a sentence of its own: short, and never zod's own English. */
function fallback(issue: z.core.$ZodRawIssue): string {
	switch (issue.code) {
		case 'too_big':
			return issue.origin === 'string'
				? `Use at most ${count(issue.maximum)} characters.`
				: `Use a value of at most ${count(issue.maximum)}.`;
		case 'too_small':
			return issue.origin === 'string'
				? Number(issue.minimum) <= 1
					? 'Fill in this field.'
					: `Use at least ${count(issue.minimum)} characters.`
				: `Use a value of at least ${count(issue.minimum)}.`;
		case 'invalid_type':
			return issue.input === undefined ? 'Fill in this field.' : 'Enter text in this field.';
		case 'invalid_format':
			return issue.format === 'email'
				? 'Enter an email address such as name@example.com.'
				: 'Check the format of this field.';
		case 'invalid_value':
			return 'Choose one of the options offered.';
		default:
			return 'Check this field.';
	}
}

z.config({ customError: fallback });

/** A required text field: trimmed, not empty, at most `max` characters. */
export function requiredText(what: string, max: number, empty = `Give the ${what}.`) {
	return z
		.string({ error: empty })
		.trim()
		.min(1, { error: empty })
		.max(max, { error: tooLong(what, max) });
}

/** An optional text field: trimmed, '' when left out, at most `max` characters. */
export function optionalText(what: string, max: number) {
	return z
		.string({ error: tooLong(what, max) })
		.trim()
		.max(max, { error: tooLong(what, max) })
		.default('');
}

/** An id from a page's own hidden field or select; a wrong one means the page is stale. */
export function id(message: string) {
	return z.uuid({ error: message });
}

/**
 * An email address, trimmed and lower-cased. The length is checked before the format, so a
 * 10,000-character address gets one sentence about its length.
 */
export function emailAddress(max: number, empty = 'Enter an email address.') {
	return z
		.string({ error: empty })
		.transform((value) => value.trim().toLowerCase())
		.pipe(
			z
				.string()
				.min(1, { error: empty })
				.max(max, { error: tooLong('email address', max) })
				.pipe(z.email({ error: 'Enter an email address such as name@example.com.' }))
		);
}
