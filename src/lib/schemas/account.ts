/**
 * The account pages' forms: profile, password change, two-factor enrolment and step-up, sessions.
 * Password rules and code shapes come from the auth schemas, which the provider checks again.
 */
import { z } from 'zod';
import { passwordForEmail, recoveryCodeSchema, totpCodeSchema } from './auth';

const uuid = (message: string) => z.uuid({ error: message });

export const profileSchema = z.object({
	full_name: z
		.string()
		.trim()
		.max(200, { error: 'Use at most 200 characters.' })
		.transform((value) => value || null)
});

/** The new password follows the rules for this address; the current one is checked by the provider. */
export function changePasswordSchema(email: string) {
	return z.object({
		current_password: z
			.string({ error: 'Enter your current password.' })
			.min(1, { error: 'Enter your current password.' })
			.max(1024),
		password: passwordForEmail(email)
	});
}

export const totpEnrolSchema = z.object({
	friendly_name: z
		.string()
		.trim()
		.max(100, { error: 'Use at most 100 characters.' })
		.transform((value) => value || undefined)
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
