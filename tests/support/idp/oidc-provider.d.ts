/** The parts of oidc-provider (which ships no types) the test OpenID Provider uses. */
declare module 'oidc-provider' {
	import type { IncomingMessage, ServerResponse } from 'node:http';

	export interface Account {
		accountId: string;
		claims(): Promise<Record<string, unknown>>;
	}

	export interface InteractionDetails {
		uid: string;
		prompt: { name: string };
		params: Record<string, unknown>;
		session?: { accountId: string };
		grantId?: string;
	}

	export interface Grant {
		addOIDCScope(scope: string): void;
		save(): Promise<string>;
	}

	export type KoaContextWithOIDC = unknown;

	export interface Configuration {
		clients: Record<string, unknown>[];
		jwks: { keys: unknown[] };
		cookies: { keys: string[] };
		pkce: { required: () => boolean };
		conformIdTokenClaims: boolean;
		claims: Record<string, string[]>;
		features: Record<string, unknown>;
		interactions: { url: (ctx: KoaContextWithOIDC, interaction: { uid: string }) => string };
		findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<Account>;
	}

	export default class Provider {
		constructor(issuer: string, configuration: Configuration);
		Grant: new (init: { accountId: string; clientId: string }) => Grant;
		callback(): (req: IncomingMessage, res: ServerResponse) => void;
		interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
		interactionFinished(
			req: IncomingMessage,
			res: ServerResponse,
			result: Record<string, unknown>,
			options?: { mergeWithLastSubmission?: boolean }
		): Promise<void>;
	}
}
