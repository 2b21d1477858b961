/**
 * Auth form input: email normalisation and the password rules (spec 002, and bcrypt's limit).
 * Shared by the forms (field errors) and the auth provider (which validates again, whatever the
 * caller did).
 */
import { z } from 'zod';
import { emailAddress } from '../../forms/messages';
import { AuthError } from './errors';

export const PASSWORD_MIN_LENGTH = 10;
/** bcrypt ignores everything after 72 bytes; a longer password would silently be truncated. */
export const PASSWORD_MAX_BYTES = 72;
/** The longest password the sign-in and change forms read (older passwords predate today's rules). */
export const PASSWORD_INPUT_MAX_LENGTH = 1024;

/** Trimmed and lower-cased: the one spelling under which an address is stored and looked up. */
export function normaliseEmail(email: string): string {
	return email.trim().toLowerCase();
}

/** auth.users keeps at most 255 characters of an address. */
export const EMAIL_MAX_LENGTH = 255;

export const emailSchema = emailAddress(EMAIL_MAX_LENGTH, 'Enter your email address.');

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

export const passwordSchema = z
	.string({ error: 'Enter a password.' })
	.min(PASSWORD_MIN_LENGTH, { error: `Use at least ${PASSWORD_MIN_LENGTH} characters.` })
	.refine((value) => new TextEncoder().encode(value).length <= PASSWORD_MAX_BYTES, {
		error: `Use at most ${PASSWORD_MAX_BYTES} bytes (fewer characters if they are not plain ASCII).`
	})
	.refine((value) => CLASSES.filter((c) => c.test(value)).length >= 2, {
		error: 'Mix at least two kinds of character: lower case, upper case, digits, symbols.'
	});

/** A new password equal to the current one (GoTrue's same_password says it alike). */
export const SAME_PASSWORD = 'Choose a password different from your current one.';

/** A password for a given account: the rules above, and not the account's email. */
export function passwordForEmail(email: string) {
	const normalised = normaliseEmail(email);
	const local = normalised.split('@')[0] ?? '';
	return passwordSchema.refine(
		(value) => {
			const lower = value.trim().toLowerCase();
			return lower !== normalised && lower !== local;
		},
		{ error: 'Do not use your email address as your password.' }
	);
}

export const signUpSchema = z
	.object({ email: emailSchema, password: z.string({ error: 'Enter a password.' }) })
	.superRefine((value, ctx) => {
		const result = passwordForEmail(value.email).safeParse(value.password);
		if (!result.success) {
			for (const issue of result.error.issues)
				ctx.addIssue({ code: 'custom', path: ['password'], message: issue.message });
		}
	});

export const signInSchema = z.object({
	email: emailSchema,
	// Sign-in checks the stored hash, not today's rules: an old password may predate them.
	password: z
		.string({ error: 'Enter your password.' })
		.min(1, { error: 'Enter your password.' })
		.max(PASSWORD_INPUT_MAX_LENGTH, { error: 'That password is too long to be yours.' })
});

export const passwordResetRequestSchema = z.object({ email: emailSchema });

export const passwordResetSchema = z.object({
	token: z
		.string({ error: 'This reset link is not valid: ask for a new one.' })
		.min(1, { error: 'This reset link is not valid: ask for a new one.' })
		.max(512, { error: 'This reset link is not valid: ask for a new one.' }),
	password: passwordSchema
});

/** A six-digit authenticator code, spaces allowed as the apps show them (123 456). */
export const totpCodeSchema = z
	.string({ error: 'Enter the 6-digit code from your app.' })
	.transform((value) => value.replace(/\s+/g, ''))
	.pipe(z.string().regex(/^\d{6}$/, { error: 'Enter the 6-digit code from your app.' }));

/** A recovery code as shown (xxxxx-xxxxx), case and spaces forgiven. */
export const recoveryCodeSchema = z
	.string({ error: 'Enter one of your recovery codes.' })
	.transform((value) => value.replace(/\s+/g, '').toLowerCase())
	.pipe(
		z.string().regex(/^[a-z2-7]{5}-?[a-z2-7]{5}$/, { error: 'Enter one of your recovery codes.' })
	)
	.transform((value) => (value.includes('-') ? value : `${value.slice(0, 5)}-${value.slice(5)}`));

export type SignUpInput = z.infer<typeof signUpSchema>;
export type SignInInput = z.infer<typeof signInSchema>;

/**
 * The sign-up both providers accept: the app's rules hold whichever provider runs. A bad address
 * fails as invalid_credentials, a password the rules refuse as weak_password, with the sentences.
 */
export function parseSignUp(input: { email: string; password: string }): {
	email: string;
	password: string;
} {
	const parsed = signUpSchema.safeParse(input);
	if (parsed.success) return parsed.data;
	const emailIssue = parsed.error.issues.some((i) => i.path[0] === 'email');
	throw new AuthError(
		emailIssue ? 'invalid_credentials' : 'weak_password',
		parsed.error.issues.map((i) => i.message)
	);
}
