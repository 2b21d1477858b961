/**
 * Signing in through a tenant's identity provider, end to end: start (an AuthnRequest or an
 * authorization request, remembered), finish (the IdP's answer checked by saml.ts / oidc.ts, then
 * SQL decides the account: private.sso_resolve_identity, the account created if there is none,
 * private.sso_complete_sign_in), and an ordinary session from the auth provider. Everything but the
 * session runs as the `sso.signin` system job in one transaction, so a refused answer leaves no
 * trace but its refusal, and a replayed one finds its id taken.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { createFederatedAccount } from '../auth/sso';
import type { AuthProvider, AuthSession, DeviceInfo } from '../auth/provider';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { useSecret } from '../secrets/service';
import { checkOidcCallback, oidcAuthorizeUrl, type OidcContext } from './oidc';
import { checkSamlResponse, samlAuthorizeUrl, spMetadata } from './saml';
import { spKeyPair } from './sp-key';
import { spEntityId } from './urls';
import { SsoCheckError, type CheckedIdentity, type SsoProviderRow } from './types';

export type SsoConfig = Pick<Config, 'PUBLIC_URL' | 'SSO_ALLOW_LOOPBACK'> &
	Parameters<typeof useSecret>[1];

export type SsoPurpose = 'signin' | 'link' | 'test';

export interface SsoStart {
	purpose: SsoPurpose;
	/** link: the signed-in account that links this identity. */
	linkUserId?: string | null;
	/** Where to go afterwards: a path of this site. */
	returnTo?: string;
}

/** The result of an IdP's answer. */
export type SsoOutcome =
	| {
			kind: 'signed_in';
			session: AuthSession;
			tenantSlug: string;
			returnTo: string;
			linked: boolean;
	  }
	| { kind: 'tested'; providerId: string; identity: CheckedIdentity; account: string }
	| { kind: 'refused'; code: string; check: string | null; detail: string; purpose: SsoPurpose };

const safeReturn = (path: string | undefined) =>
	path && /^\/(?![/\\])/.test(path) && path.length <= 500 ? path : '/';

async function providerRow(trx: Transaction<DB>, id: string): Promise<SsoProviderRow | undefined> {
	if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
	return trx.selectFrom('sso_providers').selectAll().where('id', '=', id).executeTakeFirst();
}

async function clientSecret(
	trx: Transaction<DB>,
	config: SsoConfig,
	provider: SsoProviderRow
): Promise<string | null> {
	const secret = await trx
		.selectFrom('secrets')
		.select('id')
		.where('owner_type', '=', 'sso_provider')
		.where('owner_id', '=', provider.id)
		.where('tenant_id', '=', provider.tenant_id)
		.where('name', '=', 'client_secret')
		.executeTakeFirst();
	return secret
		? useSecret(trx, config, { tenantId: provider.tenant_id, secretId: secret.id })
		: null;
}

function oidcContext(config: SsoConfig, secret: string | null): OidcContext {
	return {
		publicUrl: config.PUBLIC_URL,
		allowLoopback: config.SSO_ALLOW_LOOPBACK,
		clientSecret: secret
	};
}

/** The enabled provider that serves an address's domain ("Continue with SSO"), if any. */
export async function routeEmail(
	db: Kysely<DB>,
	email: string
): Promise<{ providerId: string; tenantSlug: string } | null> {
	return runAsServiceRole(db, 'sso.signin', async (trx) => {
		const row = (
			await sql<{ provider_id: string; tenant_slug: string }>`
				select provider_id, tenant_slug from private.sso_route_email(${email})`.execute(trx)
		).rows[0];
		return row ? { providerId: row.provider_id, tenantSlug: row.tenant_slug } : null;
	});
}

/** Whether SSO enforcement refuses a password sign-in of this address (TN448). */
export async function passwordRefused(db: Kysely<DB>, email: string): Promise<boolean> {
	return runAsServiceRole(db, 'sso.signin', async (trx) => {
		const row = (
			await sql<{
				refused: boolean;
			}>`select private.sso_password_refused(${email}) as refused`.execute(trx)
		).rows[0];
		return row?.refused ?? false;
	});
}

/**
 * Our SP metadata for a SAML provider, with the certificate of its signing key (made on first
 * use); null for no such SAML provider.
 */
export async function samlSpMetadata(
	db: Kysely<DB>,
	config: SsoConfig,
	providerId: string
): Promise<string | null> {
	return runAsServiceRole(db, 'sso.signin', async (trx) => {
		const provider = await providerRow(trx, providerId);
		if (!provider || provider.kind !== 'saml') return null;
		const entityId = spEntityId(config.PUBLIC_URL, provider.id);
		return spMetadata(
			provider.id,
			config.PUBLIC_URL,
			await spKeyPair(trx, config, provider, entityId)
		);
	});
}

/** The IdP URL to send the browser to, for an enabled provider; null when there is none. */
export async function startSso(
	db: Kysely<DB>,
	config: SsoConfig,
	providerId: string,
	start: SsoStart
): Promise<string | null> {
	return runAsServiceRole(db, 'sso.signin', async (trx) => {
		const provider = await providerRow(trx, providerId);
		if (!provider || (!provider.enabled && start.purpose !== 'test')) return null;
		await sql`delete from private.sso_requests where expires_at < now()`.execute(trx);
		const row = {
			purpose: start.purpose,
			link_user_id: start.linkUserId ?? null,
			return_to: safeReturn(start.returnTo)
		};
		if (provider.kind === 'saml') {
			const signing = await spKeyPair(
				trx,
				config,
				provider,
				spEntityId(config.PUBLIC_URL, provider.id)
			);
			return samlAuthorizeUrl(trx, provider, config.PUBLIC_URL, row, '', signing);
		}
		const secret = await clientSecret(trx, config, provider);
		return oidcAuthorizeUrl(trx, provider, oidcContext(config, secret), row);
	});
}

/** What the answer's checks and SQL decided, inside the sso.signin transaction. */
type Decided =
	| { kind: 'tested'; identity: CheckedIdentity; account: string }
	| {
			kind: 'signed_in';
			userId: string;
			tenantSlug: string;
			returnTo: string;
			linked: boolean;
			mfa: boolean;
			method: 'sso/saml' | 'sso/oidc';
	  };

async function decide(
	trx: Transaction<DB>,
	provider: SsoProviderRow,
	identity: CheckedIdentity,
	request: { purpose: SsoPurpose; link_user_id: string | null; return_to: string } | null
): Promise<Decided> {
	const purpose = request?.purpose ?? 'signin';
	const resolved = (
		await sql<{ user_id: string | null }>`
			select private.sso_resolve_identity(${provider.id}, ${identity.subject}, ${identity.email},
			                                   ${request?.link_user_id ?? null}) as user_id`.execute(trx)
	).rows[0]!.user_id;
	if (purpose === 'test') {
		return {
			kind: 'tested',
			identity,
			account: resolved ? 'an existing account (linked)' : 'a new account (just in time)'
		};
	}
	if (purpose === 'link' && resolved !== request?.link_user_id) {
		// Linking adds this identity to the signed-in account only: its address must be theirs.
		throw Object.assign(new Error('the identity is not the signed-in account’s'), {
			code: 'TN442'
		});
	}
	const userId =
		resolved ??
		(await createFederatedAccount(trx, {
			email: identity.email,
			name: identity.name,
			providerId: provider.id
		}));
	const linked = !resolved || purpose === 'link';
	const tenantSlug = (
		await sql<{ slug: string }>`
			select private.sso_complete_sign_in(${provider.id}, ${identity.subject}, ${identity.email},
			                                   ${userId}, ${identity.groups}::text[]) as slug`.execute(trx)
	).rows[0]!.slug;
	return {
		kind: 'signed_in',
		userId,
		tenantSlug,
		returnTo:
			request?.return_to && request.return_to !== '/' ? request.return_to : `/t/${tenantSlug}`,
		linked,
		mfa: identity.mfa,
		method: provider.kind === 'saml' ? 'sso/saml' : 'sso/oidc'
	};
}

/** A database refusal's TN code, if that is what it was. */
function sqlCode(error: unknown): string | null {
	const code = (error as { code?: unknown })?.code;
	return typeof code === 'string' && /^TN\d{3}$/.test(code) ? code : null;
}

async function finish(
	db: Kysely<DB>,
	auth: AuthProvider,
	providerId: string,
	device: DeviceInfo,
	check: (
		trx: Transaction<DB>,
		provider: SsoProviderRow
	) => Promise<{
		identity: CheckedIdentity;
		request: { purpose: SsoPurpose; link_user_id: string | null; return_to: string } | null;
	}>
): Promise<SsoOutcome> {
	let purpose: SsoPurpose = 'signin';
	let decided: Decided;
	try {
		decided = await runAsServiceRole(db, 'sso.signin', async (trx) => {
			const provider = await providerRow(trx, providerId);
			if (!provider) throw new SsoCheckError('response', 'No such identity provider.');
			const { identity, request } = await check(trx, provider);
			purpose = request?.purpose ?? 'signin';
			return decide(trx, provider, identity, request);
		});
	} catch (error) {
		if (error instanceof SsoCheckError) {
			return { kind: 'refused', code: 'TN449', check: error.check, detail: error.detail, purpose };
		}
		const code = sqlCode(error);
		if (code) {
			return {
				kind: 'refused',
				code,
				check: code === 'TN441' ? 'domain' : 'account',
				detail: error instanceof Error ? error.message : String(error),
				purpose
			};
		}
		throw error;
	}
	if (decided.kind === 'tested') return { ...decided, providerId };
	if (!auth.signInWithIdentity) {
		throw new Error('This auth provider signs in through Supabase Auth’s own SSO (docs/sso.md).');
	}
	const session = await auth.signInWithIdentity(decided.userId, {
		aal: decided.mfa ? 'aal2' : 'aal1',
		method: decided.method,
		device
	});
	return {
		kind: 'signed_in',
		session,
		tenantSlug: decided.tenantSlug,
		returnTo: decided.returnTo,
		linked: decided.linked
	};
}

/** The ACS: a POSTed SAMLResponse for the provider. */
export function finishSaml(
	db: Kysely<DB>,
	config: SsoConfig,
	auth: AuthProvider,
	providerId: string,
	body: { SAMLResponse: string; RelayState?: string },
	device: DeviceInfo = {}
): Promise<SsoOutcome> {
	return finish(db, auth, providerId, device, async (trx, provider) => {
		if (provider.kind !== 'saml') throw new SsoCheckError('response', 'Not a SAML provider.');
		return checkSamlResponse(trx, provider, config.PUBLIC_URL, body);
	});
}

/** The OIDC redirect URI: the OP's answer in the URL. */
export function finishOidc(
	db: Kysely<DB>,
	config: SsoConfig,
	auth: AuthProvider,
	providerId: string,
	url: URL,
	device: DeviceInfo = {}
): Promise<SsoOutcome> {
	return finish(db, auth, providerId, device, async (trx, provider) => {
		if (provider.kind !== 'oidc') throw new SsoCheckError('response', 'Not an OIDC provider.');
		const secret = await clientSecret(trx, config, provider);
		return checkOidcCallback(trx, provider, oidcContext(config, secret), url);
	});
}
