// See https://svelte.dev/docs/kit/types#app.d.ts
import type { Preferences, RequestPreferences } from '$lib/format/preferences';
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
			/** The staff member's "view as" session this request runs under (hooks.server.ts), if any. */
			viewAs: import('$lib/server/governance/view-as').ViewAs | null;
			/** Theme, own time zone (null: the organisation's), date format and locale (hooks.server.ts). */
			preferences: RequestPreferences;
			/** Origins this page's forms are redirected to, for the CSP's form-action (hooks.server.ts). */
			formActionOrigins: string[];
			/** Origins that may frame this page (a shared dashboard's); null: none (the default). */
			frameAncestors: string[] | null;
		}
		interface PageData {
			/** What every page formats with (src/lib/format), the time zone settled (root and tenant layouts). */
			preferences?: Preferences;
		}
	}
}

export {};
