/**
 * The Supabase provider: Supabase Auth (GoTrue) of one project through supabase-js, behind the
 * same AuthProvider interface as the embedded one. The browser's session is @supabase/ssr's
 * (`sessionCookies`, supabase-cookies.ts: `sb-<ref>-auth-token`, refreshed by @supabase/ssr on
 * read), so a browser supabase-js client shares it (docs/decisions/0006-supabase-ssr-sessions.md).
 * Access tokens are verified with `auth.getClaims(jwt)`: locally against the project's JWKS for
 * asymmetric keys, through GoTrue's `/user` for HS256 ones. The operations here make a
 * short-lived supabase-js `GoTrueClient` per call whose storage is its own and holds, at most,
 * the session of the claims it acts for; what they return reaches the browser through the
 * session cookies only.
 *
 * What GoTrue's user API lacks: a session list and revoking one session by id (read and deleted in
 * `auth.sessions` of the project's database instead, `supabase-sessions.ts`), recovery codes
 * (`not_supported`) and device names (sessions have no tag).
 */
import type { Factor, GoTrueClient, Session, User } from '@supabase/supabase-js';
import type { Kysely } from 'kysely';
import type { DB } from '../platform/database';
import {
	emailSchema,
	normaliseEmail,
	passwordForEmail,
	passwordSchema,
	parseSignUp
} from './schemas';
import { AuthError } from './errors';
import { accessClaimsSchema, type AccessClaims, type Aal } from './jwt';
import type {
	AssuranceLevel,
	AuthProvider,
	AuthSession,
	DeviceInfo,
	MfaChallenge,
	MfaFactor,
	SessionInfo,
	SignUpResult,
	TotpEnrolment
} from './provider';
import { RateLimiter } from './rate-limit';
import { SupabaseCookies } from './supabase-cookies';
import { toAuthError, unwrap } from './supabase-errors';
import { SupabaseSessions } from './supabase-sessions';

/** The key under which an operation's client keeps its session, in its own storage only. */
const STORAGE_KEY = 'sb-tenantry-auth-token';
const CLIENT_INFO = 'tenantry-supabase-auth';

/**
 * supabase-js, loaded the first time a Supabase provider is made: its entry point warns on Node 20
 * as it loads, which processes on the embedded provider must not print.
 */
let sdk: Promise<typeof import('@supabase/supabase-js')> | undefined;
const loadSdk = () => (sdk ??= import('@supabase/supabase-js'));

export interface SupabaseAuthOptions {
	/** SUPABASE_URL: https://<project-ref>.supabase.co */
	url: string;
	/** SUPABASE_ANON_KEY: the project's anon (publishable) key. */
	anonKey: string;
	/** The project's database (the app's, in the Supabase profile), for `auth.sessions`. */
	db: Kysely<DB>;
	/** The issuer name authenticator apps show. */
	totpIssuer?: string;
	/** Failed second-factor attempts allowed per user per five minutes (as the embedded provider). */
	mfaAttemptLimit?: number;
}

export class SupabaseAuth implements AuthProvider {
	readonly sessionCookies: SupabaseCookies;
	private readonly url: string;
	private readonly anonKey: string;
	private readonly issuer: string;
	private readonly totpIssuer: string;
	private readonly sessions: SupabaseSessions;
	/** The access token each verified claims object came from: GoTrue wants the token, not claims. */
	private readonly tokens = new WeakMap<AccessClaims, string>();
	private readonly mfaAttempts: RateLimiter;
	private readonly passwordAttempts = new RateLimiter({ limit: 5, windowMs: 15 * 60_000 });

	constructor(options: SupabaseAuthOptions) {
		this.url = options.url.replace(/\/+$/, '');
		this.anonKey = options.anonKey;
		this.issuer = `${this.url}/auth/v1`;
		this.totpIssuer = options.totpIssuer ?? 'Tenantry';
		this.sessions = new SupabaseSessions(options.db);
		this.sessionCookies = new SupabaseCookies({
			url: this.url,
			anonKey: this.anonKey,
			verify: (gotrue, jwt) => this.claimsOf(gotrue, jwt)
		});
		void loadSdk();
		this.mfaAttempts = new RateLimiter({
			limit: options.mfaAttemptLimit ?? 10,
			windowMs: 5 * 60_000
		});
	}

	// ---------------------------------------------------------------- sign-up and confirmation

	async signUp(input: {
		email: string;
		password: string;
		userMetadata?: Record<string, unknown>;
	}): Promise<SignUpResult> {
		// GoTrue's policy applies on top of the app's rules.
		const { email, password } = parseSignUp(input);
		const gotrue = await this.client();
		unwrap(
			await gotrue.signUp({
				email,
				password,
				options: { data: input.userMetadata ?? {} }
			})
		);
		return { email };
	}

	async confirmEmail(token: string): Promise<{ userId: string; email: string }> {
		if (!token || token.length > 512) throw new AuthError('token_invalid');
		const gotrue = await this.client();
		const { user, session } = unwrap(await gotrue.verifyOtp({ token_hash: token, type: 'email' }));
		if (!user) throw new AuthError('token_invalid');
		// GoTrue signs the person in on confirmation; here confirming is not signing in.
		if (session) await this.endSession(session.access_token, 'local');
		return { userId: user.id, email: user.email ?? '' };
	}

	// ---------------------------------------------------------------- sign-in and sessions

	async signIn(email: string, password: string, device: DeviceInfo = {}): Promise<AuthSession> {
		const address = normaliseEmail(email);
		if (!address || !password || password.length > 1024) throw new AuthError('invalid_credentials');
		const gotrue = await this.client(undefined, device);
		const { session } = unwrap(await gotrue.signInWithPassword({ email: address, password }));
		return this.toAuthSession(session);
	}

	async refresh(refreshToken: string): Promise<AuthSession> {
		if (!refreshToken || refreshToken.length > 512) throw new AuthError('token_invalid');
		const gotrue = await this.client();
		const { session } = unwrap(await gotrue.refreshSession({ refresh_token: refreshToken }));
		return this.toAuthSession(session);
	}

	async signOut(claims: AccessClaims): Promise<void> {
		await this.endSession(this.tokenOf(claims), 'local');
	}

	listSessions(claims: AccessClaims): Promise<SessionInfo[]> {
		return this.sessions.list(claims);
	}

	revokeSession(claims: AccessClaims, sessionId: string): Promise<boolean> {
		return this.sessions.revoke(claims, sessionId);
	}

	revokeOtherSessions(claims: AccessClaims): Promise<number> {
		return this.sessions.revokeOthers(claims);
	}

	// ---------------------------------------------------------------- passwords

	async requestPasswordReset(email: string): Promise<void> {
		const parsed = emailSchema.safeParse(email);
		if (!parsed.success) return;
		const gotrue = await this.client();
		const { error } = await gotrue.resetPasswordForEmail(parsed.data);
		// Silence either way, as the embedded provider's: GoTrue's per-address send limit included.
		if (error && toAuthError(error).code !== 'rate_limited') throw toAuthError(error);
	}

	async resetPassword(token: string, newPassword: string): Promise<void> {
		if (!token || token.length > 512) throw new AuthError('token_invalid');
		// The rules that need no address are checked before the single-use link is spent.
		const rules = passwordSchema.safeParse(newPassword);
		if (!rules.success) {
			throw new AuthError(
				'weak_password',
				rules.error.issues.map((i) => i.message)
			);
		}
		const gotrue = await this.client();
		const { user, session } = unwrap(
			await gotrue.verifyOtp({ token_hash: token, type: 'recovery' })
		);
		if (!user || !session) throw new AuthError('token_invalid');
		try {
			this.checkPassword(user.email ?? '', newPassword);
			const recovering = await this.client(sessionForStorage(session.access_token, session.user));
			unwrap(await recovering.updateUser({ password: newPassword }));
		} finally {
			// The recovery link's session is not a sign-in, and a new password ends every session.
			await this.endSession(session.access_token, 'global');
		}
	}

	async changePassword(
		claims: AccessClaims,
		currentPassword: string,
		newPassword: string
	): Promise<number> {
		if (!currentPassword || currentPassword.length > 1024)
			throw new AuthError('invalid_credentials');
		this.passwordAttempts.consume(claims.sub);
		this.checkPassword(claims.email, newPassword);
		const jwt = this.tokenOf(claims);
		if (claims.aal !== 'aal2' && (await this.verifiedFactors(jwt)).length > 0) {
			throw new AuthError('mfa_required');
		}
		// GoTrue checks a current password only when the project turns that setting on, so it is
		// proved here by a sign-in whose session ends at once.
		const gotrue = await this.client();
		const probe = await gotrue.signInWithPassword({
			email: claims.email,
			password: currentPassword
		});
		if (probe.error) throw toAuthError(probe.error);
		await this.endSession(probe.data.session.access_token, 'local');
		const others = await this.sessions.countOthers(claims);
		const person = await this.userClient(claims);
		unwrap(await person.updateUser({ password: newPassword }));
		await this.endSession(jwt, 'others');
		this.passwordAttempts.reset(claims.sub);
		return others;
	}

	// ---------------------------------------------------------------- TOTP

	async getAssuranceLevel(claims: AccessClaims): Promise<AssuranceLevel> {
		const verified = await this.verifiedFactors(this.tokenOf(claims));
		return { current: claims.aal, next: verified.length > 0 ? 'aal2' : 'aal1' };
	}

	async listFactors(claims: AccessClaims): Promise<MfaFactor[]> {
		const gotrue = await this.client();
		const { user } = unwrap(await gotrue.getUser(this.tokenOf(claims)));
		return (user.factors ?? [])
			.filter((f) => f.factor_type === 'totp')
			.map((f) => ({
				id: f.id,
				friendlyName: f.friendly_name || null,
				factorType: 'totp' as const,
				status: f.status === 'verified' ? ('verified' as const) : ('unverified' as const),
				createdAt: new Date(f.created_at)
			}))
			.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
	}

	async enrolTotp(claims: AccessClaims, friendlyName?: string): Promise<TotpEnrolment> {
		const jwt = this.tokenOf(claims);
		const gotrue = await this.client();
		const { user } = unwrap(await gotrue.getUser(jwt));
		const factors = (user.factors ?? []).filter((f) => f.factor_type === 'totp');
		if (claims.aal !== 'aal2' && factors.some((f) => f.status === 'verified')) {
			throw new AuthError('mfa_required');
		}
		const person = await this.userClient(claims);
		// One enrolment in progress at a time: an abandoned QR code stops being usable.
		for (const factor of factors.filter((f) => f.status !== 'verified')) {
			unwrap(await person.mfa.unenroll({ factorId: factor.id }));
		}
		const enrolled = unwrap(
			await person.mfa.enroll({
				factorType: 'totp',
				friendlyName: friendlyName?.trim().slice(0, 100) || undefined,
				issuer: this.totpIssuer
			})
		);
		if (enrolled.type !== 'totp')
			throw new Error('Supabase Auth enrolled a factor that is not TOTP.');
		return { factorId: enrolled.id, secret: enrolled.totp.secret, uri: enrolled.totp.uri };
	}

	/** Verifies the new factor. Supabase Auth has no recovery codes: the list is always empty. */
	async verifyTotpEnrolment(
		claims: AccessClaims,
		factorId: string,
		code: string
	): Promise<{ session: AuthSession; recoveryCodes: string[] }> {
		const { challengeId } = await this.challengeTotp(claims, factorId);
		const session = await this.verifyTotp(claims, { factorId, challengeId, code });
		return { session, recoveryCodes: [] };
	}

	async challengeTotp(claims: AccessClaims, factorId: string): Promise<MfaChallenge> {
		const person = await this.userClient(claims);
		const challenge = unwrap(await person.mfa.challenge({ factorId }));
		return { challengeId: challenge.id, expiresAt: new Date(challenge.expires_at * 1000) };
	}

	async verifyTotp(
		claims: AccessClaims,
		input: { factorId: string; challengeId: string; code: string }
	): Promise<AuthSession> {
		this.mfaAttempts.consume(claims.sub);
		const person = await this.userClient(claims);
		const session = unwrap(
			await person.mfa.verify({
				factorId: input.factorId,
				challengeId: input.challengeId,
				code: input.code.replace(/\s+/g, '')
			})
		);
		this.mfaAttempts.reset(claims.sub);
		return this.toAuthSession(session);
	}

	/** Supabase Auth has no recovery codes (see docs/auth.md, "Supabase provider"). */
	async verifyRecoveryCode(_claims: AccessClaims, _code: string): Promise<AuthSession> {
		throw new AuthError('not_supported');
	}

	async unenrolTotp(claims: AccessClaims, factorId: string): Promise<void> {
		const factor = (await this.listFactors(claims)).find((f) => f.id === factorId);
		if (!factor) throw new AuthError('token_invalid');
		if (factor.status === 'verified' && claims.aal !== 'aal2') throw new AuthError('mfa_required');
		const person = await this.userClient(claims);
		unwrap(await person.mfa.unenroll({ factorId }));
	}

	async verifyAccessToken(jwt: string): Promise<AccessClaims> {
		return this.claimsOf(await this.client(), jwt);
	}

	// ---------------------------------------------------------------- internals

	/** `getClaims(jwt)` with this auth client, then the claim schema and the project's issuer. */
	private async claimsOf(gotrue: GoTrueClient, jwt: string): Promise<AccessClaims> {
		if (!jwt || jwt.length > 8192) throw new AuthError('token_invalid');
		const verified = unwrap(await gotrue.getClaims(jwt));
		const claims = accessClaimsSchema.safeParse(verified?.claims);
		if (!claims.success || claims.data.iss !== this.issuer) throw new AuthError('token_invalid');
		this.tokens.set(claims.data, jwt);
		return claims.data;
	}

	/**
	 * An auth client for one operation. Its storage starts with `session` (if any) and is dropped
	 * with it: the tokens an operation returns reach the browser through the session cookies only.
	 */
	private async client(session?: StoredSession, device: DeviceInfo = {}): Promise<GoTrueClient> {
		const { GoTrueClient } = await loadSdk();
		const store = new Map<string, string>();
		if (session) store.set(STORAGE_KEY, JSON.stringify(session));
		const headers: Record<string, string> = { apikey: this.anonKey, 'x-client-info': CLIENT_INFO };
		if (device.userAgent) headers['user-agent'] = device.userAgent.slice(0, 512);
		if (device.ip) headers['x-forwarded-for'] = device.ip;
		return new GoTrueClient({
			url: `${this.url}/auth/v1`,
			headers,
			storageKey: STORAGE_KEY,
			storage: {
				getItem: (key) => store.get(key) ?? null,
				setItem: (key, value) => void store.set(key, value),
				removeItem: (key) => void store.delete(key)
			},
			persistSession: true,
			autoRefreshToken: false,
			detectSessionInUrl: false
		});
	}

	/** A client holding the session the claims came from (for the calls that use the stored one). */
	private userClient(claims: AccessClaims): Promise<GoTrueClient> {
		return this.client(sessionForStorage(this.tokenOf(claims), userOfClaims(claims)));
	}

	private tokenOf(claims: AccessClaims): string {
		const jwt = this.tokens.get(claims);
		// Claims that did not come from verifyAccessToken name nobody GoTrue could act for.
		if (!jwt) throw new AuthError('token_invalid');
		return jwt;
	}

	private async verifiedFactors(jwt: string): Promise<Factor[]> {
		const gotrue = await this.client();
		const { user } = unwrap(await gotrue.getUser(jwt));
		return (user.factors ?? []).filter((f) => f.status === 'verified');
	}

	/** GoTrue's logout; a session that is already gone is fine (supabase-js ignores 401/403/404). */
	private async endSession(jwt: string, scope: 'local' | 'others' | 'global'): Promise<void> {
		const gotrue = await this.client();
		const { error } = await gotrue.admin.signOut(jwt, scope);
		if (error) throw toAuthError(error);
	}

	private checkPassword(email: string, password: string): void {
		const rules = passwordForEmail(email).safeParse(password);
		if (!rules.success) {
			throw new AuthError(
				'weak_password',
				rules.error.issues.map((i) => i.message)
			);
		}
	}

	private toAuthSession(session: Session | null): AuthSession {
		if (!session) throw new AuthError('token_invalid');
		const payload = decodePayload(session.access_token);
		const sessionId = typeof payload.session_id === 'string' ? payload.session_id : '';
		const aal: Aal = payload.aal === 'aal2' ? 'aal2' : 'aal1';
		const expiresAt =
			session.expires_at ?? Math.floor(Date.now() / 1000) + (session.expires_in ?? 0);
		return {
			accessToken: session.access_token,
			tokenType: 'bearer',
			expiresIn: session.expires_in,
			expiresAt,
			refreshToken: session.refresh_token,
			sessionId,
			aal,
			user: {
				id: session.user.id,
				email: session.user.email ?? '',
				emailConfirmedAt: dateOrNull(session.user.email_confirmed_at),
				lastSignInAt: dateOrNull(session.user.last_sign_in_at),
				userMetadata: session.user.user_metadata ?? {}
			}
		};
	}
}

/** What supabase-js keeps under its storage key (a Session with the fields it checks). */
type StoredSession = Pick<
	Session,
	'access_token' | 'refresh_token' | 'expires_at' | 'expires_in' | 'token_type' | 'user'
>;

/**
 * The session an operation's client starts with. It has no refresh token: the client never
 * refreshes (refreshing is @supabase/ssr's, on reading the cookies), so an expired access token
 * fails the call, as it does with the embedded provider.
 */
function sessionForStorage(accessToken: string, user: User): StoredSession {
	const exp = decodePayload(accessToken).exp;
	const expiresAt = typeof exp === 'number' ? exp : 0;
	return {
		access_token: accessToken,
		refresh_token: '',
		token_type: 'bearer',
		expires_at: expiresAt,
		expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)),
		user
	};
}

function userOfClaims(claims: AccessClaims): User {
	return {
		id: claims.sub,
		aud: claims.aud,
		role: claims.role,
		email: claims.email,
		app_metadata: claims.app_metadata,
		user_metadata: claims.user_metadata,
		created_at: ''
	};
}

/** The payload of a token GoTrue has just issued to this server (already trusted, not verified here). */
function decodePayload(jwt: string): Record<string, unknown> {
	try {
		return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
	} catch {
		throw new AuthError('token_invalid');
	}
}

function dateOrNull(value: string | null | undefined): Date | null {
	return value ? new Date(value) : null;
}
