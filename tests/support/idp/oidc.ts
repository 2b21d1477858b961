/**
 * A real OpenID Provider for tests — panva's oidc-provider (certified) — on 127.0.0.1 and a free
 * port: one confidential client (client_secret_post), PKCE required, RS256 ID tokens with the
 * profile claims (name, groups) in them. Its login and consent are automatic: whoever `nextUser`
 * names signs in, so a browser or fetch following redirects completes the flow.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface OidcUser {
	sub: string;
	email: string;
	name?: string;
	groups?: string[];
	emailVerified?: boolean;
	acr?: string;
}

export interface OidcOp {
	issuer: string;
	clientId: string;
	clientSecret: string;
	nextUser: OidcUser;
	close(): Promise<void>;
}

/**
 * `port` (default: any free one) lets a test name the issuer before it knows the redirect URI, as
 * when the app's settings page is given the issuer and only then makes the provider (its id is in
 * the redirect URI).
 */
export async function startOidcProvider(options: {
	redirectUris: string[];
	port?: number;
}): Promise<OidcOp> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const clientId = 'tenantry-test';
	const clientSecret = 'test-client-secret-that-is-long-enough-0123456789';
	const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const jwk = {
		...privateKey.export({ format: 'jwk' }),
		kid: 'test-key',
		use: 'sig',
		alg: 'RS256'
	};

	const op: OidcOp = {
		issuer,
		clientId,
		clientSecret,
		nextUser: { sub: 'nobody', email: 'nobody@example.invalid' },
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
	const users = new Map<string, OidcUser>();

	const provider = new Provider(issuer, {
		clients: [
			{
				client_id: clientId,
				client_secret: clientSecret,
				redirect_uris: options.redirectUris,
				grant_types: ['authorization_code'],
				response_types: ['code'],
				token_endpoint_auth_method: 'client_secret_post'
			}
		],
		jwks: { keys: [jwk as never] },
		cookies: { keys: ['tenantry-test-cookie-key'] },
		pkce: { required: () => true },
		conformIdTokenClaims: false,
		claims: {
			openid: ['sub'],
			email: ['email', 'email_verified'],
			profile: ['name', 'groups']
		},
		features: { devInteractions: { enabled: false } },
		interactions: {
			url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) =>
				`/interaction/${interaction.uid}`
		},
		async findAccount(_ctx, sub) {
			const user = users.get(sub) ?? op.nextUser;
			return {
				accountId: sub,
				async claims() {
					return {
						sub,
						email: user.email,
						email_verified: user.emailVerified ?? true,
						name: user.name,
						groups: user.groups ?? [],
						...(user.acr ? { acr: user.acr } : {})
					};
				}
			};
		}
	});
	const callback = provider.callback();

	server.on('request', async (req, res) => {
		if (!req.url?.startsWith('/interaction/')) {
			callback(req, res);
			return;
		}
		try {
			const details = await provider.interactionDetails(req, res);
			if (details.prompt.name === 'login') {
				users.set(op.nextUser.sub, op.nextUser);
				await provider.interactionFinished(
					req,
					res,
					{ login: { accountId: op.nextUser.sub } },
					{ mergeWithLastSubmission: false }
				);
				return;
			}
			const grant = new provider.Grant({
				accountId: details.session!.accountId,
				clientId: String(details.params.client_id)
			});
			grant.addOIDCScope(String(details.params.scope));
			const grantId = await grant.save();
			await provider.interactionFinished(
				req,
				res,
				{ consent: { grantId } },
				{ mergeWithLastSubmission: true }
			);
		} catch (error) {
			res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
		}
	});
	return op;
}
