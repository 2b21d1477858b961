/**
 * What the app knows of authentication. The embedded provider (GoTrue's data model in this
 * database) and the Supabase provider (Supabase Auth through supabase-js) both implement it, and
 * nothing outside `src/lib/server/auth/` may tell which one is running.
 *
 * Operations on behalf of a signed-in person take the claims `verifyAccessToken` returned: they
 * name the user and the session, and the provider re-checks that the session still exists.
 */
import type { RequestEvent } from '@sveltejs/kit';
import type { AccessClaims, Aal } from './jwt';

export type { AccessClaims, Aal };

/** The parts of a request the session's cookies are read from and written to. */
export type CookieEvent = Pick<RequestEvent, 'cookies' | 'url' | 'setHeaders'>;

/**
 * How a provider keeps a session in the browser, when it has a format of its own (the Supabase
 * provider: @supabase/ssr's `sb-<ref>-auth-token` cookies). Only `cookies.ts` calls it.
 */
export interface SessionCookies {
	/** The claims of the person making the request, refreshed at most once; null when nobody is signed in. */
	read(event: CookieEvent): Promise<AccessClaims | null>;
	/** Keeps a session that sign-in or a step-up returned. */
	write(event: CookieEvent, session: AuthSession): Promise<void>;
	/** Forgets the session in this browser (ending it is `signOut`'s job). */
	clear(event: CookieEvent): Promise<void>;
}

/** Where a sign-in comes from, shown in the person's session list. */
export interface DeviceInfo {
	/** A name for the device ("Ada's laptop"); stored as the session's tag. */
	name?: string;
	userAgent?: string;
	ip?: string;
}

export interface AuthUser {
	id: string;
	email: string;
	emailConfirmedAt: Date | null;
	lastSignInAt: Date | null;
	userMetadata: Record<string, unknown>;
}

/** What a sign-in, refresh or step-up returns (the fields of a Supabase session). */
export interface AuthSession {
	accessToken: string;
	tokenType: 'bearer';
	/** Seconds the access token lives (3600). */
	expiresIn: number;
	/** Unix seconds when the access token expires. */
	expiresAt: number;
	/** Single use: refreshing returns a new one, and using an old one again ends the session. */
	refreshToken: string;
	sessionId: string;
	aal: Aal;
	user: AuthUser;
}

export interface SessionInfo {
	id: string;
	deviceName: string | null;
	userAgent: string | null;
	ip: string | null;
	aal: Aal;
	createdAt: Date;
	/** Last sign-in or refresh. */
	lastUsedAt: Date;
	/** The session of the claims this list was asked with. */
	current: boolean;
}

export interface SignUpResult {
	/** The normalised address; the same answer whether or not it already had an account. */
	email: string;
}

export interface TotpEnrolment {
	factorId: string;
	/** Base32, for people who type it in. Shown once; stored encrypted. */
	secret: string;
	/** otpauth:// URI, for the QR code. */
	uri: string;
}

export interface MfaFactor {
	id: string;
	friendlyName: string | null;
	factorType: 'totp';
	status: 'unverified' | 'verified';
	createdAt: Date;
}

export interface MfaChallenge {
	challengeId: string;
	expiresAt: Date;
}

/** Supabase's getAuthenticatorAssuranceLevel(): where the session is and where it could go. */
export interface AssuranceLevel {
	current: Aal;
	next: Aal;
}

export interface AuthProvider {
	/** The provider's own session cookies; without them, cookies.ts's (`tenantry_access`, `tenantry_refresh`). */
	readonly sessionCookies?: SessionCookies;
	/**
	 * Creates an unconfirmed account and emails a confirmation link; signing up again for an
	 * address that is still unconfirmed replaces the account (password, name, sessions, link). An
	 * address with a confirmed account gets the same answer and an "already registered" email
	 * instead (`email_taken` is never thrown here). Throws `weak_password`.
	 */
	signUp(input: {
		email: string;
		password: string;
		userMetadata?: Record<string, unknown>;
	}): Promise<SignUpResult>;
	/** Uses a confirmation token (once, within 24 h). Throws `token_invalid`, `token_expired`. */
	confirmEmail(token: string): Promise<{ userId: string; email: string }>;
	/**
	 * Throws `invalid_credentials`, `email_not_confirmed`, `user_locked` (too many failures for this
	 * account from `device.ip`), `rate_limited` (too many from that address, or on the account from
	 * unfamiliar addresses). A person with a verified factor gets an aal1 session and must step up.
	 */
	signIn(email: string, password: string, device?: DeviceInfo): Promise<AuthSession>;
	/** Rotates the refresh token. Reusing a rotated one ends the session. Throws `token_invalid`, `token_expired`. */
	refresh(refreshToken: string): Promise<AuthSession>;
	/** Ends the session of these claims. */
	signOut(claims: AccessClaims): Promise<void>;
	listSessions(claims: AccessClaims): Promise<SessionInfo[]>;
	/** Ends one of the person's sessions; false when there is no such session of theirs. */
	revokeSession(claims: AccessClaims, sessionId: string): Promise<boolean>;
	/** Ends every session of the person but this one; returns how many. */
	revokeOtherSessions(claims: AccessClaims): Promise<number>;
	/** Emails a reset link if the address has an account; says nothing either way. */
	requestPasswordReset(email: string): Promise<void>;
	/** Uses a reset token (once, within 1 h), sets the password, ends every session. */
	resetPassword(token: string, newPassword: string): Promise<void>;
	/**
	 * Changes the signed-in person's password: the current one must be right (`invalid_credentials`;
	 * at most 5 attempts per 15 minutes until one succeeds, then `rate_limited`), the new one must
	 * follow the rules (`weak_password`), and with a verified factor the session must be aal2
	 * (`mfa_required`). Ends every other session of the person and returns how many.
	 */
	changePassword(
		claims: AccessClaims,
		currentPassword: string,
		newPassword: string
	): Promise<number>;
	getAssuranceLevel(claims: AccessClaims): Promise<AssuranceLevel>;
	listFactors(claims: AccessClaims): Promise<MfaFactor[]>;
	/** Starts TOTP enrolment (needs aal2 if a factor is already verified: `mfa_required`). */
	enrolTotp(claims: AccessClaims, friendlyName?: string): Promise<TotpEnrolment>;
	/**
	 * Verifies the first code of a new factor, raises the session to aal2 and returns ten recovery
	 * codes, shown once (they replace any earlier ones). Throws `mfa_invalid_code`, `rate_limited`.
	 */
	verifyTotpEnrolment(
		claims: AccessClaims,
		factorId: string,
		code: string
	): Promise<{ session: AuthSession; recoveryCodes: string[] }>;
	challengeTotp(claims: AccessClaims, factorId: string): Promise<MfaChallenge>;
	/** Raises the session to aal2 (a new access and refresh token). Throws `mfa_invalid_code`, `token_expired`. */
	verifyTotp(
		claims: AccessClaims,
		input: { factorId: string; challengeId: string; code: string }
	): Promise<AuthSession>;
	/** Uses one recovery code (once) to raise the session to aal2. Throws `mfa_invalid_code`. */
	verifyRecoveryCode(claims: AccessClaims, code: string): Promise<AuthSession>;
	/** Removes a factor (a verified one only from an aal2 session: `mfa_required`). */
	unenrolTotp(claims: AccessClaims, factorId: string): Promise<void>;
	/** Validates an access token: signature, issuer, audience, expiry and every claim's shape. */
	verifyAccessToken(jwt: string): Promise<AccessClaims>;
	/**
	 * A session for an account the SSO module has just vouched for (src/lib/server/sso: the IdP's
	 * answer checked, the account resolved in SQL). Embedded only: with Supabase Auth, Supabase's
	 * own SAML SSO signs people in (docs/sso.md).
	 */
	signInWithIdentity?(
		userId: string,
		options: { aal: Aal; method: 'sso/saml' | 'sso/oidc'; device?: DeviceInfo }
	): Promise<AuthSession>;
}
