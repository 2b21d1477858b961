/**
 * The Supabase provider's sessions in the browser are @supabase/ssr's, written and read by
 * `createServerClient` on SvelteKit's cookies as Supabase's SvelteKit guide sets it up: the
 * `sb-<project-ref>-auth-token` cookie holds the session supabase-js stores (`base64-` and the
 * base64url of its JSON, split into `.0`, `.1` … past 3180 characters). A `supabase-js` client in
 * the browser (`createBrowserClient`) or any other server using @supabase/ssr on this site reads
 * the same cookies, so Realtime, Storage or an internal tool act in the same signed-in session.
 *
 * One server client per request, kept on the request's `cookies`: reading the session
 * (`getSession`) refreshes an access token that is within 90 s of expiring and writes the rotated
 * one back through `setAll`; the client shares one refresh among concurrent callers and keeps the
 * new session in its storage, so a request refreshes at most once. In this profile nothing else
 * refreshes (docs/decisions/0006-supabase-ssr-sessions.md). The caller is then verified with
 * `auth.getClaims()` of the same client: locally against the project's JWKS, or through GoTrue's
 * `/user` for HS256 tokens.
 */
import type { Cookies } from '@sveltejs/kit';
import type { GoTrueClient, SupabaseClient, WebSocketLikeConstructor } from '@supabase/supabase-js';
import { insecureOrigin } from './cookies';
import { isAuthError } from './errors';
import type { AccessClaims, AuthSession, CookieEvent, SessionCookies } from './provider';
import { toAuthError } from './supabase-errors';

/** Loaded with the first Supabase request: supabase-js warns on Node 20 as it loads (see supabase.ts). */
let ssr: Promise<typeof import('@supabase/ssr')> | undefined;
const loadSsr = () => (ssr ??= import('@supabase/ssr'));

/**
 * The server client never opens Realtime, but supabase-js resolves a WebSocket class when it
 * builds one and throws on Node 20, which has none; this one says why if anything ever tried.
 */
const NO_REALTIME = function () {
	throw new Error('The server-side Supabase client does not open Realtime connections.');
} as unknown as WebSocketLikeConstructor;

export interface SupabaseCookiesOptions {
	/** SUPABASE_URL */
	url: string;
	anonKey: string;
	/** The provider's check of an access token with a given auth client (`getClaims` and the claim schema). */
	verify(gotrue: GoTrueClient, jwt: string): Promise<AccessClaims>;
}

export class SupabaseCookies implements SessionCookies {
	/**
	 * supabase-js's default storage key for the project URL (`sb-<first label of the host>-auth-token`),
	 * so a browser client created with defaults finds the same cookies.
	 */
	readonly storageKey: string;
	private readonly clients = new WeakMap<Cookies, Promise<SupabaseClient>>();

	constructor(private readonly options: SupabaseCookiesOptions) {
		this.storageKey = `sb-${new URL(options.url).hostname.split('.')[0]}-auth-token`;
	}

	async read(event: CookieEvent): Promise<AccessClaims | null> {
		const gotrue = (await this.client(event)).auth;
		// What `getClaims()` does first; the token is kept because operations act on it.
		const { data, error } = await gotrue.getSession();
		if (error) {
			// A refused refresh (reused, revoked) has already removed the cookies; toAuthError
			// rethrows a fault (GoTrue down, a refused anon key) as it is.
			toAuthError(error);
			return null;
		}
		if (!data.session) return null;
		try {
			return await this.options.verify(gotrue, data.session.access_token);
		} catch (error) {
			if (!isAuthError(error)) throw error;
			await this.clear(event);
			return null;
		}
	}

	async write(event: CookieEvent, session: AuthSession): Promise<void> {
		const gotrue = (await this.client(event)).auth;
		const { error } = await gotrue.setSession({
			access_token: session.accessToken,
			refresh_token: session.refreshToken
		});
		if (error) throw toAuthError(error);
	}

	async clear(event: CookieEvent): Promise<void> {
		const { DEFAULT_COOKIE_OPTIONS, isChunkLike } = await loadSsr();
		const options = {
			...DEFAULT_COOKIE_OPTIONS,
			path: '/',
			secure: !insecureOrigin(event.url),
			maxAge: 0
		};
		for (const { name } of event.cookies.getAll()) {
			// The session and its chunks, and what supabase-js keeps beside it (`-code-verifier`, `-user`).
			if (isChunkLike(name, this.storageKey) || name.startsWith(`${this.storageKey}-`)) {
				event.cookies.delete(name, options);
			}
		}
	}

	private client(event: CookieEvent): Promise<SupabaseClient> {
		let client = this.clients.get(event.cookies);
		if (!client) {
			client = this.create(event);
			this.clients.set(event.cookies, client);
		}
		return client;
	}

	private async create(event: CookieEvent): Promise<SupabaseClient> {
		const { createServerClient } = await loadSsr();
		return createServerClient(this.options.url, this.options.anonKey, {
			cookieOptions: this.cookieOptions(event.url),
			cookies: {
				getAll: () => event.cookies.getAll(),
				setAll: (cookies, headers) => {
					for (const { name, value, options } of cookies) {
						event.cookies.set(name, value, { ...options, path: '/' });
					}
					// No cache may keep a response that carries someone's session. @supabase/ssr hands
					// these over once per client, and SvelteKit refuses a header set twice: one client
					// per request is what lets a refresh and then a sign-in or step-up both write.
					if (Object.keys(headers).length > 0) event.setHeaders(headers);
				}
			},
			realtime: { transport: NO_REALTIME }
		});
	}

	/** @supabase/ssr's defaults (path /, SameSite=Lax, readable by the browser client, 400 days) plus Secure. */
	private cookieOptions(url: URL) {
		return { name: this.storageKey, secure: !insecureOrigin(url) };
	}
}
