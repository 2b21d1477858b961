/**
 * OpenID Connect relying party through openid-client (certified): discovery, the authorization
 * code flow with PKCE (S256), `state` and `nonce`; openid-client checks the ID token's signature
 * (the OP's JWKS), issuer, audience, expiry, nonce and the code exchange. Every URL it fetches
 * (discovery, token, JWKS) goes through the SSRF guard first.
 */
import * as client from 'openid-client';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { destinationProblem } from '../webhooks/destination';
import { SsoCheckError, type CheckedIdentity, type SsoProviderRow } from './types';
import { oidcRedirectUrl } from './urls';

export interface OidcContext {
	publicUrl: string;
	allowLoopback: boolean;
	clientSecret: string | null;
}

export interface OidcRequestRow {
	id: string;
	purpose: 'signin' | 'link' | 'test';
	link_user_id: string | null;
	return_to: string;
	nonce: string;
	code_verifier: string;
}

const TIMEOUT_MS = 10_000;

/** The provider's client configuration, discovered (and re-discovered per sign-in: keys rotate). */
async function configFor(
	provider: SsoProviderRow,
	ctx: OidcContext
): Promise<client.Configuration> {
	if (!provider.oidc_issuer || !provider.oidc_client_id) {
		throw new Error(`SSO provider ${provider.id} is not a complete OIDC provider.`);
	}
	const guardedFetch: client.CustomFetch = async (url, options) => {
		const problem = await destinationProblem(url, ctx.allowLoopback);
		if (problem) throw new SsoCheckError('response', problem);
		return fetch(url, { ...options, signal: AbortSignal.timeout(TIMEOUT_MS) } as RequestInit);
	};
	const insecure = new URL(provider.oidc_issuer).protocol === 'http:' && ctx.allowLoopback;
	return client.discovery(
		new URL(provider.oidc_issuer),
		provider.oidc_client_id,
		undefined,
		ctx.clientSecret ? client.ClientSecretPost(ctx.clientSecret) : client.None(),
		{
			[client.customFetch]: guardedFetch,
			execute: insecure ? [client.allowInsecureRequests] : [],
			timeout: TIMEOUT_MS / 1000
		}
	);
}

/** The OP's authorization URL for a new request (state, nonce, PKCE verifier remembered). */
export async function oidcAuthorizeUrl(
	trx: Transaction<DB>,
	provider: SsoProviderRow,
	ctx: OidcContext,
	start: Omit<OidcRequestRow, 'id' | 'nonce' | 'code_verifier'>
): Promise<string> {
	const config = await configFor(provider, ctx);
	const state = client.randomState();
	const nonce = client.randomNonce();
	const verifier = client.randomPKCECodeVerifier();
	await sql`insert into private.sso_requests (id, tenant_id, provider_id, purpose, link_user_id, nonce, code_verifier, return_to)
	          values (${state}, ${provider.tenant_id}, ${provider.id}, ${start.purpose}, ${start.link_user_id},
	                  ${nonce}, ${verifier}, ${start.return_to})`.execute(trx);
	return client
		.buildAuthorizationUrl(config, {
			redirect_uri: oidcRedirectUrl(ctx.publicUrl, provider.id),
			scope: 'openid email profile',
			code_challenge: await client.calculatePKCECodeChallenge(verifier),
			code_challenge_method: 'S256',
			state,
			nonce
		})
		.toString();
}

function claimStrings(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
	return [];
}

/** Checks the OP's answer on our redirect URI and returns who it says signed in. */
export async function checkOidcCallback(
	trx: Transaction<DB>,
	provider: SsoProviderRow,
	ctx: OidcContext,
	currentUrl: URL
): Promise<{ identity: CheckedIdentity; request: OidcRequestRow }> {
	const state = currentUrl.searchParams.get('state') ?? '';
	const request = (
		await sql<OidcRequestRow>`
			delete from private.sso_requests
			 where id = ${state} and provider_id = ${provider.id} and expires_at > now() and nonce is not null
			returning id, purpose, link_user_id, return_to, nonce, code_verifier`.execute(trx)
	).rows[0];
	if (!request) throw new SsoCheckError('in_response_to', 'No request of ours has this state.');
	const error = currentUrl.searchParams.get('error');
	if (error) throw new SsoCheckError('response', `The provider answered ${error}.`);
	const config = await configFor(provider, ctx);
	// The OP redirected to our public redirect URI; rebuild it from there, whatever host served it.
	const answered = new URL(oidcRedirectUrl(ctx.publicUrl, provider.id));
	answered.search = currentUrl.search;
	let claims: client.IDToken | undefined;
	try {
		const tokens = await client.authorizationCodeGrant(config, answered, {
			pkceCodeVerifier: request.code_verifier,
			expectedState: request.id,
			expectedNonce: request.nonce,
			idTokenExpected: true
		});
		claims = tokens.claims();
	} catch (e) {
		const message = e instanceof Error ? e.message : String(e);
		const m = message.toLowerCase();
		const check = m.includes('nonce')
			? 'nonce'
			: m.includes('aud')
				? 'audience'
				: m.includes('iss')
					? 'issuer'
					: m.includes('exp') || m.includes('iat')
						? 'time'
						: m.includes('signature') || m.includes('jws') || m.includes('jwt')
							? 'signature'
							: m.includes('code_verifier') || m.includes('pkce')
								? 'pkce'
								: 'response';
		throw new SsoCheckError(check, message);
	}
	if (!claims) throw new SsoCheckError('response', 'The provider returned no ID token.');
	const email = claims[provider.email_attribute] ?? claims.email;
	if (typeof email !== 'string') {
		throw new SsoCheckError('attributes', `No ${provider.email_attribute} claim.`);
	}
	if (claims.email_verified === false) {
		throw new SsoCheckError('attributes', 'The provider says the address is not verified.');
	}
	const name = claims[provider.name_attribute];
	const said = [...claimStrings(claims.acr), ...claimStrings(claims.amr)];
	return {
		identity: {
			subject: claims.sub,
			email,
			name: typeof name === 'string' ? name : null,
			groups: claimStrings(claims[provider.groups_attribute]),
			mfa: said.some((v) => provider.mfa_contexts.includes(v)) || said.includes('mfa'),
			checks: ['in_response_to', 'pkce', 'signature', 'issuer', 'audience', 'time', 'nonce']
		},
		request
	};
}
