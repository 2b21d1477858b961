/**
 * The Content-Security-Policy's `form-action` beyond 'self' (svelte.config.js `kit.csp` sets the
 * rest). Browsers check form-action on every redirect a form submission follows, so a form whose
 * action answers 303 to another origin — checkout and the customer portal on Stripe, or on the
 * fake's pages at PUBLIC_URL when the app is opened on another host — needs that origin listed.
 * The hooks add the gateway's origins to every page, and a page that sends a form elsewhere
 * (the fake's hosted pages, back to the app) names its own in `locals.formActionOrigins`.
 */

/** `origin` as a CSP source (scheme://host[:port]); null for anything that is not an http(s) URL. */
export function cspOrigin(url: string): string | null {
	if (!URL.canParse(url)) return null;
	const { protocol, origin } = new URL(url);
	return protocol === 'https:' || protocol === 'http:' ? origin : null;
}

/** The policy with `sources` added to its form-action directive (each once); unchanged without one. */
export function withFormActionSources(policy: string, sources: readonly string[]): string {
	const valid = sources.map(cspOrigin).filter((s): s is string => s !== null);
	if (valid.length === 0) return policy;
	return policy
		.split(';')
		.map((directive) => {
			const [name, ...values] = directive.trim().split(/\s+/);
			if (name !== 'form-action') return directive;
			const merged = [...values, ...valid.filter((s) => !values.includes(s))];
			return ` ${[name, ...new Set(merged)].join(' ')}`;
		})
		.join(';')
		.trim();
}

/**
 * The policy with its frame-ancestors directive set to `origins` (a shared dashboard's embedding
 * list, docs/bi.md#sharing); 'none' when none of them is an http(s) origin.
 */
export function withFrameAncestors(policy: string, origins: readonly string[]): string {
	const valid = [...new Set(origins.map(cspOrigin).filter((s): s is string => s !== null))];
	const value = valid.length > 0 ? valid.join(' ') : "'none'";
	return policy
		.split(';')
		.map((directive) =>
			directive.trim().split(/\s+/)[0] === 'frame-ancestors'
				? ` frame-ancestors ${value}`
				: directive
		)
		.join(';')
		.trim();
}
