/**
 * The account pages' forms: profile, password change, two-factor enrolment and step-up, sessions.
 * Password rules and code shapes come from the auth schemas, which the provider checks again.
 */
import { z } from 'zod';
import {
	PASSWORD_INPUT_MAX_LENGTH,
	passwordForEmail,
	SAME_PASSWORD,
	recoveryCodeSchema,
	totpCodeSchema
} from '../auth/schemas';
import { id as uuid, optionalText } from '../../forms/messages';

export const profileSchema = z.object({
	full_name: optionalText('name', 200).transform((value) => value || null)
});

/** The new password follows the rules for this address; the current one is checked by the provider. */
export function changePasswordSchema(email: string) {
	return z
		.object({
			current_password: z
				.string({ error: 'Enter your current password.' })
				.min(1, { error: 'Enter your current password.' })
				.max(PASSWORD_INPUT_MAX_LENGTH, { error: 'That is not your current password.' }),
			password: passwordForEmail(email)
		})
		.refine((form) => form.password !== form.current_password, {
			path: ['password'],
			error: SAME_PASSWORD
		});
}

export const totpEnrolSchema = z.object({
	friendly_name: optionalText('name', 100).transform((value) => value || undefined)
});

export const totpVerifySchema = z.object({
	factor_id: uuid('Start the set-up again.'),
	code: totpCodeSchema
});

export const factorSchema = z.object({ factor_id: uuid('No such factor.') });

export const sessionSchema = z.object({ session_id: uuid('No such session.') });

/**
 * The second step of a sign-in: six digits are an authenticator code, anything else is tried as
 * a recovery code (xxxxx-xxxxx).
 */
export const mfaCodeSchema = z.object({
	code: z
		.string({ error: 'Enter a code.' })
		.trim()
		.min(1, { error: 'Enter a code.' })
		.max(64, { error: 'Enter the 6-digit code or a recovery code.' })
		.transform((value, ctx) => {
			const totp = totpCodeSchema.safeParse(value);
			if (totp.success) return { kind: 'totp' as const, code: totp.data };
			const recovery = recoveryCodeSchema.safeParse(value);
			if (recovery.success) return { kind: 'recovery' as const, code: recovery.data };
			ctx.addIssue({
				code: 'custom',
				message: 'Enter the 6-digit code from your app, or a recovery code (xxxxx-xxxxx).'
			});
			return z.NEVER;
		})
});
