// See https://svelte.dev/docs/kit/types#app.d.ts
import type { AccessClaims } from '$lib/server/auth';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		interface Locals {
			/** The signed-in person's verified claims; null for anonymous requests. */
			claims: AccessClaims | null;
		}
	}
}

export {};
