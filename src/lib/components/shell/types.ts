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
 * Whether a section's route is the page's (or an ancestor of it), by route id rather than path, so
 * a page served on a tenant's own host (acme.localhost/members, rerouted) is marked the same way.
 * A section that is a prefix of every other (the overview) matches only itself.
 */
export function isCurrentRoute(
	sectionRoute: string,
	routeId: string | null,
	exact = false
): boolean {
	if (!routeId) return false;
	return exact
		? routeId === sectionRoute
		: routeId === sectionRoute || routeId.startsWith(sectionRoute + '/');
}
