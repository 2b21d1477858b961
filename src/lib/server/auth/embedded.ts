/**
 * The embedded auth provider: GoTrue's data model (`auth.users`, `auth.sessions`,
 * `auth.refresh_tokens`, `auth.mfa_*`, created by the compat layer) in this database, and access
 * tokens with Supabase Auth's claims. Every operation is one transaction of the `auth.embedded`
 * system job; bcrypt and pgcrypto run in SQL, so passwords never leave the database hashed
 * differently from GoTrue's.
 *
 * Nothing secret rests in plaintext: passwords are bcrypt, confirmation/recovery/refresh tokens
 * and recovery codes are sha256, TOTP secrets are pgp_sym_encrypt ciphertext under a key derived
 * from the auth secret.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import {
	emailSchema,
	normaliseEmail,
	passwordForEmail,
	passwordSchema,
	recoveryCodeSchema,
	SAME_PASSWORD,
	parseSignUp
} from './schemas';
import { alreadyRegisteredEmail, confirmSignupEmail, resetPasswordEmail } from './emails';
import { AuthError, type AuthErrorCode } from './errors';
import {
	ACCESS_TOKEN_TTL_SECONDS,
	signAccessToken,
	verifyAccessToken,
	type AccessClaims,
	type Aal,
	type AmrMethod
} from './jwt';
import { queueEmail } from './outbox';
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
import { base32Encode, generateTotpSecret, matchTotp, otpauthUri } from './totp';
import { deriveKey, hashToken, randomToken } from './secret';

/** GoTrue's cost; pgcrypto's default (6) is 16 times cheaper to brute-force. */
const BCRYPT_COST = 10;
/** A bcrypt hash no password matches, checked when the email is unknown so timing does not tell. */
const DUMMY_HASH = '$2a$10$D9FSYG2hQHMSebr6DiL7jOMn1Wg2ppbiZCqtKbDRFhQBqMud/9oBm';
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/**
 * Sign-in throttling, as GoTrue and Auth0 do it: by who is asking, not only by whom they ask for.
 * Failures count in 15-minute windows, for the account (normalised email, known or not), for the
 * client address, and for the pair. The pair locks after PAIR_LIMIT (that address, that account:
 * `user_locked`, even with the right password); the address after ADDRESS_LIMIT across accounts
 * (`rate_limited`). The account's own ceiling slows a distributed attack without locking the owner
 * out: past ACCOUNT_LIMIT failures in the window, only addresses the account has signed in from
 * in the last KNOWN_DAYS may still try (`rate_limited` for the rest until the window ends).
 */
const WINDOW_MINUTES = 15;
const PAIR_LIMIT = 5;
const ADDRESS_LIMIT = 30;
const ACCOUNT_LIMIT = 20;
const KNOWN_DAYS = 30;
const SESSION_DAYS = 30;
const CHALLENGE_MINUTES = 5;
/** No second confirmation or reset email to one address within this many seconds. */
const RESEND_SECONDS = 60;
const RECOVERY_CODES = 10;

export interface EmbeddedAuthOptions {
	db: Kysely<DB>;
	/** AUTH_JWT_SECRET (or the development one, see secret.ts). */
	secret: string;
	/** PUBLIC_URL: links in emails and the tokens' issuer (`${appUrl}/auth/v1`, as Supabase's). */
	appUrl: string;
	/** The issuer name authenticator apps show. */
	totpIssuer?: string;
	/** Failed second-factor attempts allowed per user per five minutes. */
	mfaAttemptLimit?: number;
}

/** Returned from a transaction to commit it and then throw: the failure is itself a change to keep. */
class CommitThenThrow {
	constructor(readonly error: AuthError) {}
}
const fail = (code: AuthErrorCode, retryAfterMs?: number) =>
	new CommitThenThrow(new AuthError(code, [], retryAfterMs));

interface UserRow {
	id: string;
	email: string;
	phone: string | null;
	email_confirmed_at: Date | null;
	last_sign_in_at: Date | null;
	raw_app_meta_data: Record<string, unknown> | null;
	raw_user_meta_data: Record<string, unknown> | null;
}

const USER_COLUMNS = sql`u.id, u.email, u.phone, u.email_confirmed_at, u.last_sign_in_at,
	u.raw_app_meta_data, u.raw_user_meta_data`;

type Trx = Transaction<DB>;

export class EmbeddedAuth implements AuthProvider {
	private readonly db: Kysely<DB>;
	private readonly secret: string;
	private readonly appUrl: string;
	private readonly issuer: string;
	private readonly totpIssuer: string;
	private readonly factorKey: string;
	private readonly mfaAttempts: RateLimiter;
	private readonly passwordAttempts = new RateLimiter({ limit: 5, windowMs: 15 * 60_000 });

	constructor(options: EmbeddedAuthOptions) {
		if (options.secret.length < 32)
			throw new Error('The auth secret needs at least 32 characters.');
		this.db = options.db;
		this.secret = options.secret;
		this.appUrl = options.appUrl.replace(/\/+$/, '');
		this.issuer = `${this.appUrl}/auth/v1`;
		this.totpIssuer = options.totpIssuer ?? 'Tenantry';
		this.factorKey = deriveKey(options.secret, 'mfa-factor-secret');
		this.mfaAttempts = new RateLimiter({
			limit: options.mfaAttemptLimit ?? 10,
			windowMs: 5 * 60_000
		});
	}

	/** One transaction as the auth.embedded job; a returned CommitThenThrow commits, then throws. */
	private async run<T>(fn: (trx: Trx) => Promise<T | CommitThenThrow>): Promise<T> {
		const result = await runAsServiceRole(this.db, 'auth.embedded', fn);
		if (result instanceof CommitThenThrow) throw result.error;
		return result;
	}

	// ---------------------------------------------------------------- sign-up and confirmation

	async signUp(input: {
		email: string;
		password: string;
		userMetadata?: Record<string, unknown>;
	}): Promise<SignUpResult> {
		const { email, password } = parseSignUp(input);
		const token = randomToken();
		await this.run(async (trx) => {
			const existing = (
				await sql<{ id: string; confirmed: boolean }>`
					select id, email_confirmed_at is not null as confirmed
					  from auth.users where email = ${email} for update`.execute(trx)
			).rows[0];
			// Hash whatever happens, so the answer takes as long for a known address as for a new one.
			const hash = (
				await sql<{ hash: string }>`
					select extensions.crypt(${password}, extensions.gen_salt('bf', ${BCRYPT_COST})) as hash`.execute(
					trx
				)
			).rows[0]!.hash;
			if (existing?.confirmed) {
				await queueEmail(trx, alreadyRegisteredEmail(email, `${this.appUrl}/auth/forgot-password`));
				return;
			}
			// An unconfirmed account proves nothing about who made it: whoever signs up for the address
			// last replaces it — password, name, sessions and confirmation link — so an account
			// pre-registered by someone else is the owner's once they sign up and confirm, and the
			// first sign-up's link no longer works.
			if (existing) await sql`delete from auth.users where id = ${existing.id}`.execute(trx);
			await sql`insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
			            confirmation_token, confirmation_sent_at, recovery_token, email_change_token_new,
			            email_change, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
				values (${ZERO_UUID}, gen_random_uuid(), 'authenticated', 'authenticated', ${email}, ${hash},
				        ${hashToken(token)}, now(), '', '', '',
				        '{"provider": "email", "providers": ["email"]}'::jsonb,
				        ${JSON.stringify(input.userMetadata ?? {})}::jsonb, now(), now())`.execute(trx);
			await queueEmail(trx, confirmSignupEmail(email, this.link('/auth/confirm', token)));
		});
		return { email };
	}

	async confirmEmail(token: string): Promise<{ userId: string; email: string }> {
		if (!token || token.length > 512) throw new AuthError('token_invalid');
		return this.run(async (trx) => {
			const row = (
				await sql<{ id: string; email: string; fresh: boolean }>`
					select id, email, confirmation_sent_at > now() - interval '24 hours' as fresh
					  from auth.users where confirmation_token = ${hashToken(token)} for update`.execute(trx)
			).rows[0];
			if (!row) return fail('token_invalid');
			if (!row.fresh) return fail('token_expired');
			await sql`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()),
			            confirmation_token = '', updated_at = now() where id = ${row.id}`.execute(trx);
			return { userId: row.id, email: row.email };
		});
	}

	// ---------------------------------------------------------------- sign-in and sessions

	async signIn(email: string, password: string, device: DeviceInfo = {}): Promise<AuthSession> {
		const address = normaliseEmail(email);
		if (!address || !password || password.length > 1024) throw new AuthError('invalid_credentials');
		const ip = validIp(device.ip) ?? '';
		return this.run(async (trx) => {
			const refusal = await this.throttled(trx, address, ip);
			if (refusal) return refusal;
			const user = (
				await sql<UserRow & { ok: boolean | null; banned: boolean }>`
					select ${USER_COLUMNS},
					       u.encrypted_password = extensions.crypt(${password}, u.encrypted_password) as ok,
					       coalesce(u.banned_until > now(), false) as banned
					  from auth.users u where u.email = ${address} and u.deleted_at is null
					   for update`.execute(trx)
			).rows[0];
			if (!user) {
				await sql`select extensions.crypt(${password}, ${DUMMY_HASH})`.execute(trx);
			}
			if (!user || !user.ok || user.banned) {
				const locked = await this.recordFailure(trx, address, ip);
				return fail('invalid_credentials', locked ? WINDOW_MINUTES * 60_000 : undefined);
			}
			if (!user.email_confirmed_at) return fail('email_not_confirmed');
			await sql`delete from auth.sign_in_attempts
			           where scope = 'account_address' and email = ${address} and ip = ${ip}`.execute(trx);
			if (ip) {
				await sql`insert into auth.sign_in_attempts (scope, email, ip, window_started_at)
				          values ('known', ${address}, ${ip}, now())
				          on conflict (scope, email, ip) do update set window_started_at = now()`.execute(trx);
			}
			return this.startSession(trx, user.id, 'aal1', 'password', device, ip);
		});
	}

	/** A new session of an account that just signed in: recorded, with its method, and issued. */
	private async startSession(
		trx: Trx,
		userId: string,
		aal: Aal,
		method: AmrMethod,
		device: DeviceInfo,
		ip: string
	): Promise<AuthSession> {
		await sql`update auth.users set last_sign_in_at = now(), updated_at = now()
		          where id = ${userId}`.execute(trx);
		const sessionId = (
			await sql<{ id: string }>`
				insert into auth.sessions (id, user_id, created_at, updated_at, refreshed_at, aal, not_after,
				                           user_agent, ip, tag)
				values (gen_random_uuid(), ${userId}, now(), now(), now(), ${aal}::auth.aal_level,
				        now() + make_interval(days => ${SESSION_DAYS}),
				        ${device.userAgent?.slice(0, 512) ?? null}, ${ip || null}::inet,
				        ${device.name?.trim().slice(0, 100) || null})
				returning id`.execute(trx)
		).rows[0]!.id;
		await this.addAmr(trx, sessionId, method);
		return this.issue(trx, sessionId, null);
	}

	/** A session for an account the SSO module has vouched for (AuthProvider.signInWithIdentity). */
	async signInWithIdentity(
		userId: string,
		options: { aal: Aal; method: 'sso/saml' | 'sso/oidc'; device?: DeviceInfo }
	): Promise<AuthSession> {
		const device = options.device ?? {};
		const ip = validIp(device.ip) ?? '';
		return this.run(async (trx) => {
			const user = (
				await sql<{ id: string; banned: boolean }>`
					select u.id, coalesce(u.banned_until > now(), false) as banned
					  from auth.users u where u.id = ${userId} and u.deleted_at is null for update`.execute(trx)
			).rows[0];
			if (!user || user.banned) return fail('invalid_credentials');
			return this.startSession(trx, user.id, options.aal, options.method, device, ip);
		});
	}

	/** Why this address may not try this account now, or null (see WINDOW_MINUTES). */
	private async throttled(trx: Trx, email: string, ip: string): Promise<CommitThenThrow | null> {
		const rows = (
			await sql<{ scope: string; wait_ms: number; familiar: boolean }>`
				select a.scope,
				       ceil(extract(epoch from
				         case when a.scope = 'account'
				              then a.window_started_at + make_interval(mins => ${WINDOW_MINUTES})
				              else a.blocked_until end - now()) * 1000)::float8 as wait_ms,
				       exists (select 1 from auth.sign_in_attempts k
				                where k.scope = 'known' and k.email = ${email} and k.ip = ${ip}
				                  and k.window_started_at > now() - make_interval(days => ${KNOWN_DAYS})) as familiar
				  from auth.sign_in_attempts a
				 where ((a.scope = 'address' and a.email = '' and a.ip = ${ip} and a.blocked_until > now())
				     or (a.scope = 'account_address' and a.email = ${email} and a.ip = ${ip}
				         and a.blocked_until > now())
				     or (a.scope = 'account' and a.email = ${email} and a.ip = ''
				         and a.failures >= ${ACCOUNT_LIMIT}
				         and a.window_started_at > now() - make_interval(mins => ${WINDOW_MINUTES})))`.execute(trx)
		).rows;
		const wait = (scope: string) => rows.find((r) => r.scope === scope);
		const address = wait('address');
		if (address) return fail('rate_limited', Number(address.wait_ms));
		const pair = wait('account_address');
		if (pair) return fail('user_locked', Number(pair.wait_ms));
		const account = wait('account');
		if (account && !account.familiar) return fail('rate_limited', Number(account.wait_ms));
		return null;
	}

	/**
	 * Counts a failure for the account, the address and the pair. True if the pair is now locked.
	 * Without an address (the adapter could not tell) there is no address count: one shared
	 * "unknown" address would let anyone throttle everyone else without one.
	 */
	private async recordFailure(trx: Trx, email: string, ip: string): Promise<boolean> {
		const counted = (
			await sql<{ scope: string; failures: number }>`
				insert into auth.sign_in_attempts as a (scope, email, ip, failures, window_started_at)
				select scope, email, ip, 1, now()
				  from (values ('address', '', ${ip}), ('account', ${email}, ''),
				               ('account_address', ${email}, ${ip})) as v (scope, email, ip)
				 where v.scope <> 'address' or v.ip <> ''
				on conflict (scope, email, ip) do update set
				  failures = case when a.window_started_at <= now() - make_interval(mins => ${WINDOW_MINUTES})
				                  then 1 else a.failures + 1 end,
				  window_started_at = case when a.window_started_at <= now() - make_interval(mins => ${WINDOW_MINUTES})
				                           then now() else a.window_started_at end
				returning a.scope, a.failures`.execute(trx)
		).rows;
		const reached = (scope: string, limit: number) =>
			counted.some((r) => r.scope === scope && r.failures >= limit);
		const pairLocked = reached('account_address', PAIR_LIMIT);
		const addressBlocked = reached('address', ADDRESS_LIMIT);
		if (pairLocked || addressBlocked) {
			// A block starts a fresh window: after it, the same number of attempts again.
			await sql`update auth.sign_in_attempts
			             set blocked_until = now() + make_interval(mins => ${WINDOW_MINUTES}),
			                 failures = 0, window_started_at = now()
			           where (scope = 'account_address' and email = ${email} and ip = ${ip} and ${pairLocked})
			              or (scope = 'address' and email = '' and ip = ${ip} and ${addressBlocked})`.execute(
				trx
			);
		}
		if (Math.random() < 0.01) {
			await sql`delete from auth.sign_in_attempts
			           where case when scope = 'known'
			                      then window_started_at < now() - make_interval(days => ${KNOWN_DAYS})
			                      else window_started_at < now() - interval '1 day'
			                           and coalesce(blocked_until < now(), true) end`.execute(trx);
		}
		return pairLocked;
	}

	async refresh(refreshToken: string): Promise<AuthSession> {
		if (!refreshToken || refreshToken.length > 512) throw new AuthError('token_invalid');
		const tokenHash = hashToken(refreshToken);
		return this.run(async (trx) => {
			const row = (
				await sql<{
					id: string;
					session_id: string;
					revoked: boolean;
					expired: boolean;
					usable: boolean;
				}>`
					select rt.id, rt.session_id, rt.revoked,
					       coalesce(s.not_after <= now(), false) as expired,
					       u.deleted_at is null and coalesce(u.banned_until <= now(), true) as usable
					  from auth.refresh_tokens rt
					  join auth.sessions s on s.id = rt.session_id
					  join auth.users u on u.id = s.user_id
					 where rt.token = ${tokenHash}
					   for update of rt, s`.execute(trx)
			).rows[0];
			if (!row) return fail('token_invalid');
			if (row.revoked || row.expired || !row.usable) {
				// A rotated token used again means two holders of one session: end it for both.
				await sql`delete from auth.sessions where id = ${row.session_id}`.execute(trx);
				return fail(row.expired && !row.revoked ? 'token_expired' : 'token_invalid');
			}
			await sql`update auth.refresh_tokens set revoked = true, updated_at = now()
			          where id = ${row.id}`.execute(trx);
			await sql`update auth.sessions set refreshed_at = now(), updated_at = now()
			          where id = ${row.session_id}`.execute(trx);
			return this.issue(trx, row.session_id, tokenHash);
		});
	}

	async signOut(claims: AccessClaims): Promise<void> {
		await this.run((trx) =>
			sql`delete from auth.sessions where id = ${claims.session_id} and user_id = ${claims.sub}`.execute(
				trx
			)
		);
	}

	async listSessions(claims: AccessClaims): Promise<SessionInfo[]> {
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			const rows = await sql<{
				id: string;
				tag: string | null;
				user_agent: string | null;
				ip: string | null;
				aal: Aal;
				created_at: Date;
				last_used_at: Date;
			}>`select id, tag, user_agent, host(ip) as ip, aal::text as aal, created_at,
			          coalesce(refreshed_at, created_at) as last_used_at
			     from auth.sessions
			    where user_id = ${claims.sub} and (not_after is null or not_after > now())
			    order by coalesce(refreshed_at, created_at) desc, id`.execute(trx);
			return rows.rows.map((r) => ({
				id: r.id,
				deviceName: r.tag,
				userAgent: r.user_agent,
				ip: r.ip,
				aal: r.aal,
				createdAt: r.created_at,
				lastUsedAt: r.last_used_at,
				current: r.id === claims.session_id
			}));
		});
	}

	async revokeSession(claims: AccessClaims, sessionId: string): Promise<boolean> {
		if (!isUuid(sessionId)) return false;
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			const result = await sql`delete from auth.sessions
			                          where id = ${sessionId} and user_id = ${claims.sub}`.execute(trx);
			return Number(result.numAffectedRows ?? 0) > 0;
		});
	}

	async revokeOtherSessions(claims: AccessClaims): Promise<number> {
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			const result = await sql`delete from auth.sessions
			                          where user_id = ${claims.sub} and id <> ${claims.session_id}`.execute(
				trx
			);
			return Number(result.numAffectedRows ?? 0);
		});
	}

	// ---------------------------------------------------------------- password reset

	async requestPasswordReset(email: string): Promise<void> {
		const parsed = emailSchema.safeParse(email);
		if (!parsed.success) return;
		const address = parsed.data;
		const token = randomToken();
		await this.run(async (trx) => {
			const updated = await sql`update auth.users
				   set recovery_token = ${hashToken(token)}, recovery_sent_at = now(), updated_at = now()
				 where email = ${address} and deleted_at is null
				   and coalesce(recovery_sent_at < now() - make_interval(secs => ${RESEND_SECONDS}), true)`.execute(
				trx
			);
			if (Number(updated.numAffectedRows ?? 0) > 0) {
				await queueEmail(
					trx,
					resetPasswordEmail(address, this.link('/auth/reset-password', token))
				);
			}
		});
	}

	async resetPassword(token: string, newPassword: string): Promise<void> {
		if (!token || token.length > 512) throw new AuthError('token_invalid');
		const rules = passwordSchema.safeParse(newPassword);
		if (!rules.success) {
			throw new AuthError(
				'weak_password',
				rules.error.issues.map((i) => i.message)
			);
		}
		await this.run(async (trx) => {
			const user = (
				await sql<{ id: string; email: string; fresh: boolean }>`
					select id, email, recovery_sent_at > now() - interval '1 hour' as fresh
					  from auth.users where recovery_token = ${hashToken(token)} and deleted_at is null
					   for update`.execute(trx)
			).rows[0];
			if (!user) return fail('token_invalid');
			if (!user.fresh) return fail('token_expired');
			const forEmail = passwordForEmail(user.email).safeParse(newPassword);
			if (!forEmail.success) {
				throw new AuthError(
					'weak_password',
					forEmail.error.issues.map((i) => i.message)
				);
			}
			// The link proved the address, so it confirms it too (as GoTrue's recovery does).
			await sql`update auth.users
			             set encrypted_password = extensions.crypt(${newPassword}, extensions.gen_salt('bf', ${BCRYPT_COST})),
			                 recovery_token = '', confirmation_token = '',
			                 email_confirmed_at = coalesce(email_confirmed_at, now()),
			                 updated_at = now()
			           where id = ${user.id}`.execute(trx);
			await sql`delete from auth.sessions where user_id = ${user.id}`.execute(trx);
			// The owner proved the address: the account's counters and locks start again.
			await sql`delete from auth.sign_in_attempts
			           where scope in ('account', 'account_address') and email = ${user.email}`.execute(trx);
		});
	}

	async changePassword(
		claims: AccessClaims,
		currentPassword: string,
		newPassword: string
	): Promise<number> {
		if (!currentPassword || currentPassword.length > 1024)
			throw new AuthError('invalid_credentials');
		this.passwordAttempts.consume(claims.sub);
		const rules = passwordForEmail(claims.email).safeParse(newPassword);
		if (!rules.success) {
			throw new AuthError(
				'weak_password',
				rules.error.issues.map((i) => i.message)
			);
		}
		return this.run(async (trx) => {
			const session = await this.currentSession(trx, claims);
			if (session.aal !== 'aal2' && (await this.hasVerifiedFactor(trx, claims.sub))) {
				return fail('mfa_required');
			}
			const [stored] = (
				await sql<{ ok: boolean; same: boolean }>`
					select encrypted_password = extensions.crypt(${currentPassword}, encrypted_password) as ok,
					       encrypted_password = extensions.crypt(${newPassword}, encrypted_password) as same
					  from auth.users where id = ${claims.sub} for update`.execute(trx)
			).rows;
			if (!stored?.ok) return fail('invalid_credentials');
			// As GoTrue's same_password (mapped alike by the Supabase provider).
			if (stored.same) throw new AuthError('weak_password', [SAME_PASSWORD]);
			await sql`update auth.users
			             set encrypted_password = extensions.crypt(${newPassword}, extensions.gen_salt('bf', ${BCRYPT_COST})),
			                 updated_at = now()
			           where id = ${claims.sub}`.execute(trx);
			const ended = await sql`delete from auth.sessions
			                         where user_id = ${claims.sub} and id <> ${claims.session_id}`.execute(trx);
			this.passwordAttempts.reset(claims.sub);
			return Number(ended.numAffectedRows ?? 0);
		});
	}

	// ---------------------------------------------------------------- TOTP

	async getAssuranceLevel(claims: AccessClaims): Promise<AssuranceLevel> {
		const verified = await this.run(async (trx) => this.hasVerifiedFactor(trx, claims.sub));
		return { current: claims.aal, next: verified ? 'aal2' : 'aal1' };
	}

	async listFactors(claims: AccessClaims): Promise<MfaFactor[]> {
		return this.run(async (trx) => {
			const rows = await sql<{
				id: string;
				friendly_name: string | null;
				status: 'unverified' | 'verified';
				created_at: Date;
			}>`select id, friendly_name, status::text as status, created_at from auth.mfa_factors
			    where user_id = ${claims.sub} and factor_type = 'totp' order by created_at, id`.execute(trx);
			return rows.rows.map((r) => ({
				id: r.id,
				friendlyName: r.friendly_name,
				factorType: 'totp' as const,
				status: r.status,
				createdAt: r.created_at
			}));
		});
	}

	async enrolTotp(claims: AccessClaims, friendlyName?: string): Promise<TotpEnrolment> {
		const secret = generateTotpSecret();
		return this.run(async (trx) => {
			const session = await this.currentSession(trx, claims);
			if (session.aal !== 'aal2' && (await this.hasVerifiedFactor(trx, claims.sub))) {
				return fail('mfa_required');
			}
			// One enrolment in progress at a time: an abandoned QR code stops being usable.
			await sql`delete from auth.mfa_factors
			           where user_id = ${claims.sub} and status = 'unverified'`.execute(trx);
			const factorId = (
				await sql<{ id: string }>`
					insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at,
					                              updated_at, secret)
					values (gen_random_uuid(), ${claims.sub}, ${friendlyName?.trim().slice(0, 100) || null},
					        'totp', 'unverified', now(), now(),
					        extensions.armor(extensions.pgp_sym_encrypt(${secret}, ${this.factorKey})))
					returning id`.execute(trx)
			).rows[0]!.id;
			return { factorId, secret, uri: otpauthUri(secret, session.email, this.totpIssuer) };
		});
	}

	async verifyTotpEnrolment(
		claims: AccessClaims,
		factorId: string,
		code: string
	): Promise<{ session: AuthSession; recoveryCodes: string[] }> {
		this.mfaAttempts.consume(claims.sub);
		const recoveryCodes = Array.from({ length: RECOVERY_CODES }, makeRecoveryCode);
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			const factor = await this.factor(trx, claims.sub, factorId, 'unverified');
			if (!factor) return fail('token_invalid');
			const step = this.acceptableStep(factor, code);
			if (step === null) return fail('mfa_invalid_code');
			await sql`update auth.mfa_factors set status = 'verified', last_totp_step = ${step},
			            updated_at = now() where id = ${factorId}`.execute(trx);
			await sql`delete from auth.mfa_recovery_codes where user_id = ${claims.sub}`.execute(trx);
			for (const recoveryCode of recoveryCodes) {
				await sql`insert into auth.mfa_recovery_codes (user_id, code_hash)
				          values (${claims.sub}, ${hashToken(recoveryCode)})`.execute(trx);
			}
			this.mfaAttempts.reset(claims.sub);
			return { session: await this.raiseToAal2(trx, claims.session_id, 'totp'), recoveryCodes };
		});
	}

	async challengeTotp(claims: AccessClaims, factorId: string): Promise<MfaChallenge> {
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			if (!(await this.factor(trx, claims.sub, factorId, 'verified'))) return fail('token_invalid');
			const row = (
				await sql<{ id: string; expires_at: Date }>`
					insert into auth.mfa_challenges (id, factor_id, created_at)
					values (gen_random_uuid(), ${factorId}, now())
					returning id, created_at + make_interval(mins => ${CHALLENGE_MINUTES}) as expires_at`.execute(trx)
			).rows[0]!;
			await sql`update auth.mfa_factors set last_challenged_at = now() where id = ${factorId}`.execute(
				trx
			);
			return { challengeId: row.id, expiresAt: row.expires_at };
		});
	}

	async verifyTotp(
		claims: AccessClaims,
		input: { factorId: string; challengeId: string; code: string }
	): Promise<AuthSession> {
		this.mfaAttempts.consume(claims.sub);
		if (!isUuid(input.challengeId)) throw new AuthError('token_invalid');
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			const factor = await this.factor(trx, claims.sub, input.factorId, 'verified');
			if (!factor) return fail('token_invalid');
			const challenge = (
				await sql<{ used: boolean; fresh: boolean }>`
					select verified_at is not null as used,
					       created_at > now() - make_interval(mins => ${CHALLENGE_MINUTES}) as fresh
					  from auth.mfa_challenges where id = ${input.challengeId} and factor_id = ${input.factorId}
					   for update`.execute(trx)
			).rows[0];
			if (!challenge || challenge.used) return fail('token_invalid');
			if (!challenge.fresh) return fail('token_expired');
			const step = this.acceptableStep(factor, input.code);
			if (step === null) return fail('mfa_invalid_code');
			await sql`update auth.mfa_challenges set verified_at = now() where id = ${input.challengeId}`.execute(
				trx
			);
			await sql`update auth.mfa_factors set last_totp_step = ${step}, updated_at = now()
			          where id = ${input.factorId}`.execute(trx);
			this.mfaAttempts.reset(claims.sub);
			return this.raiseToAal2(trx, claims.session_id, 'totp');
		});
	}

	async verifyRecoveryCode(claims: AccessClaims, code: string): Promise<AuthSession> {
		this.mfaAttempts.consume(claims.sub);
		const parsed = recoveryCodeSchema.safeParse(code);
		if (!parsed.success) throw new AuthError('mfa_invalid_code');
		return this.run(async (trx) => {
			await this.currentSession(trx, claims);
			if (!(await this.hasVerifiedFactor(trx, claims.sub))) return fail('mfa_invalid_code');
			const used = await sql`update auth.mfa_recovery_codes set used_at = now()
			                        where user_id = ${claims.sub} and code_hash = ${hashToken(parsed.data)}
			                          and used_at is null`.execute(trx);
			if (Number(used.numAffectedRows ?? 0) === 0) return fail('mfa_invalid_code');
			this.mfaAttempts.reset(claims.sub);
			return this.raiseToAal2(trx, claims.session_id, 'recovery');
		});
	}

	async unenrolTotp(claims: AccessClaims, factorId: string): Promise<void> {
		if (!isUuid(factorId)) throw new AuthError('token_invalid');
		await this.run(async (trx) => {
			const session = await this.currentSession(trx, claims);
			const factor = (
				await sql<{ status: string }>`select status::text as status from auth.mfa_factors
				    where id = ${factorId} and user_id = ${claims.sub} for update`.execute(trx)
			).rows[0];
			if (!factor) return fail('token_invalid');
			if (factor.status === 'verified' && session.aal !== 'aal2') return fail('mfa_required');
			await sql`delete from auth.mfa_factors where id = ${factorId}`.execute(trx);
			if (!(await this.hasVerifiedFactor(trx, claims.sub))) {
				await sql`delete from auth.mfa_recovery_codes where user_id = ${claims.sub}`.execute(trx);
			}
		});
	}

	async verifyAccessToken(jwt: string): Promise<AccessClaims> {
		return verifyAccessToken(jwt, this.secret, { issuer: this.issuer });
	}

	// ---------------------------------------------------------------- internals

	private link(path: string, token: string): string {
		return `${this.appUrl}${path}?token=${encodeURIComponent(token)}`;
	}

	/** The session the claims name, if it still exists and is the claims' user's; else token_invalid. */
	private async currentSession(
		trx: Trx,
		claims: AccessClaims
	): Promise<{ aal: Aal; email: string }> {
		const row = (
			await sql<{ aal: Aal; email: string }>`
				select s.aal::text as aal, u.email from auth.sessions s join auth.users u on u.id = s.user_id
				 where s.id = ${claims.session_id} and s.user_id = ${claims.sub}
				   and (s.not_after is null or s.not_after > now())`.execute(trx)
		).rows[0];
		if (!row) throw new AuthError('token_invalid');
		return row;
	}

	private async hasVerifiedFactor(trx: Trx, userId: string): Promise<boolean> {
		const rows = await sql`select 1 from auth.mfa_factors
		                        where user_id = ${userId} and status = 'verified' limit 1`.execute(trx);
		return rows.rows.length > 0;
	}

	private async factor(
		trx: Trx,
		userId: string,
		factorId: string,
		status: 'unverified' | 'verified'
	): Promise<{ secret: string; last_totp_step: string | null } | undefined> {
		if (!isUuid(factorId)) return undefined;
		return (
			await sql<{ secret: string; last_totp_step: string | null }>`
				select extensions.pgp_sym_decrypt(extensions.dearmor(secret), ${this.factorKey}) as secret,
				       last_totp_step
				  from auth.mfa_factors
				 where id = ${factorId} and user_id = ${userId} and factor_type = 'totp' and status = ${status}::auth.factor_status
				   for update`.execute(trx)
		).rows[0];
	}

	/** The step of `code` if it is valid now and later than every step this factor has accepted. */
	private acceptableStep(
		factor: { secret: string; last_totp_step: string | null },
		code: string
	): number | null {
		const step = matchTotp(factor.secret, code.replace(/\s+/g, ''), Date.now());
		if (step === null) return null;
		if (factor.last_totp_step !== null && step <= Number(factor.last_totp_step)) return null;
		return step;
	}

	private async addAmr(trx: Trx, sessionId: string, method: AmrMethod) {
		await sql`insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
		          values (${sessionId}, now(), now(), ${method}, gen_random_uuid())
		          on conflict (session_id, authentication_method) do update set updated_at = now()`.execute(
			trx
		);
	}

	/** Raises a session to aal2 and rotates its refresh token (a privilege change gets new tokens). */
	private async raiseToAal2(trx: Trx, sessionId: string, method: AmrMethod): Promise<AuthSession> {
		await sql`update auth.sessions set aal = 'aal2', updated_at = now(), refreshed_at = now()
		          where id = ${sessionId}`.execute(trx);
		await this.addAmr(trx, sessionId, method);
		const revoked = await sql<{ token: string }>`
			update auth.refresh_tokens set revoked = true, updated_at = now()
			 where session_id = ${sessionId} and not revoked
			returning token`.execute(trx);
		return this.issue(trx, sessionId, revoked.rows.at(-1)?.token ?? null);
	}

	/** A new refresh token for the session (child of `parentHash`) and an access token for it. */
	private async issue(
		trx: Trx,
		sessionId: string,
		parentHash: string | null
	): Promise<AuthSession> {
		const refreshToken = randomToken();
		const row = (
			await sql<
				UserRow & {
					session_id: string;
					aal: Aal;
					amr: { method: string; timestamp: number }[];
				}
			>`
				select ${USER_COLUMNS}, s.id as session_id, s.aal::text as aal,
				       coalesce((select jsonb_agg(jsonb_build_object('method', a.authentication_method,
				                                   'timestamp', floor(extract(epoch from a.updated_at))::bigint)
				                                  order by a.updated_at desc, a.authentication_method)
				                   from auth.mfa_amr_claims a where a.session_id = s.id), '[]'::jsonb) as amr
				  from auth.sessions s join auth.users u on u.id = s.user_id
				 where s.id = ${sessionId}`.execute(trx)
		).rows[0]!;
		await sql`insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at,
		                                         parent, session_id)
		          values (${ZERO_UUID}, ${hashToken(refreshToken)}, ${row.id}, false, now(), now(),
		                  ${parentHash}, ${sessionId})`.execute(trx);
		const iat = Math.floor(Date.now() / 1000);
		const claims: AccessClaims = {
			iss: this.issuer,
			sub: row.id,
			aud: 'authenticated',
			exp: iat + ACCESS_TOKEN_TTL_SECONDS,
			iat,
			role: 'authenticated',
			email: row.email,
			phone: row.phone ?? '',
			app_metadata: row.raw_app_meta_data ?? { provider: 'email', providers: ['email'] },
			user_metadata: row.raw_user_meta_data ?? {},
			session_id: sessionId,
			aal: row.aal,
			amr: row.amr.map((a) => ({ method: a.method, timestamp: Number(a.timestamp) })),
			is_anonymous: false
		};
		return {
			accessToken: signAccessToken(claims, this.secret),
			tokenType: 'bearer',
			expiresIn: ACCESS_TOKEN_TTL_SECONDS,
			expiresAt: claims.exp,
			refreshToken,
			sessionId,
			aal: row.aal,
			user: {
				id: row.id,
				email: row.email,
				emailConfirmedAt: row.email_confirmed_at,
				lastSignInAt: row.last_sign_in_at,
				userMetadata: claims.user_metadata
			}
		};
	}
}

/** Ten base32 characters (50 bits) shown as xxxxx-xxxxx. */
function makeRecoveryCode(): string {
	const code = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase();
	return `${code.slice(0, 5)}-${code.slice(5)}`;
}

function validIp(ip: string | undefined): string | null {
	return ip && isIP(ip) ? ip : null;
}

function isUuid(value: string): boolean {
	return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
