import type { Component } from 'svelte';

/** One link in the shell's sidebar. `current` is computed by the layout from the route, so the server render marks it. */
export interface NavItem {
	href: string;
	label: string;
	icon: Component;
	current: boolean;
}

export interface NavGroup {
	label: string;
	items: NavItem[];
}

/** One step of the breadcrumb trail; the last one (the page itself) has no href. */
export interface Crumb {
	label: string;
	href?: string;
}

/** Groups the sections in the order given, keeping each group's own order; empty groups are left out. */
export function groupNav<G extends string>(
	items: (NavItem & { group: G })[],
	order: readonly G[]
): NavGroup[] {
	return order
		.map((label) => ({ label, items: items.filter((item) => item.group === label) }))
		.filter((group) => group.items.length > 0);
}

/**
 * The section a page belongs to: of the sections' route ids, the longest that is the page's or an
 * ancestor of it, so a settings subpage marks its own section and not Settings as well. By route
 * id rather than path, so a page served on a tenant's own host (acme.localhost/members, rerouted)
 * is marked the same way. `home` (the overview, a prefix of every other) matches only itself.
 */
export function currentRoute(
	sectionRoutes: readonly string[],
	routeId: string | null,
	home: string
): string | null {
	if (!routeId) return null;
	if (routeId === home) return home;
	const ancestors = sectionRoutes.filter(
		(route) => route !== home && (routeId === route || routeId.startsWith(route + '/'))
	);
	return ancestors.sort((a, b) => b.length - a.length)[0] ?? null;
}
