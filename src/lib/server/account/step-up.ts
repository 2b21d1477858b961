/**
 * Raising a session to aal2 with whatever the person typed: an authenticator code (tried against
 * each verified factor, through a fresh challenge) or a recovery code. Shared by the sign-in's
 * second step and the security page's "verify now".
 */
import {
	AuthError,
	isAuthError,
	type AccessClaims,
	type AuthProvider,
	type CookieEvent
} from '../auth';
import { writeSession } from '../auth/cookies';

export type StepUpInput = { kind: 'totp' | 'recovery'; code: string };

export async function stepUp(
	auth: AuthProvider,
	claims: AccessClaims,
	input: StepUpInput,
	event: CookieEvent & { locals: App.Locals }
): Promise<void> {
	const session =
		input.kind === 'recovery'
			? await auth.verifyRecoveryCode(claims, input.code)
			: await verifyAnyFactor(auth, claims, input.code);
	// The raised session comes with new tokens: the old refresh token is spent, so the cookies must
	// change now, and the rest of this request (the page's load) sees the new claims.
	await writeSession(auth, event, session);
	event.locals.claims = await auth.verifyAccessToken(session.accessToken);
}

async function verifyAnyFactor(auth: AuthProvider, claims: AccessClaims, code: string) {
	const factors = (await auth.listFactors(claims)).filter((f) => f.status === 'verified');
	let failure: unknown = new AuthError('mfa_invalid_code');
	for (const factor of factors) {
		const { challengeId } = await auth.challengeTotp(claims, factor.id);
		try {
			return await auth.verifyTotp(claims, { factorId: factor.id, challengeId, code });
		} catch (error) {
			if (!isAuthError(error, 'mfa_invalid_code')) throw error;
			failure = error;
		}
	}
	throw failure;
}
