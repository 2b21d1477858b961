/**
 * Role presets for the permission matrix: a starting set of boxes to tick, applied in the browser
 * and then submitted as the ordinary form. "Read-only" is every code that only reads; the rest are
 * the system roles' own grants (from the roles table), so a preset never drifts from the role it
 * is named after. The owner is left out (it holds everything through ownership).
 */
export interface Preset {
	name: string;
	codes: string[];
}

interface RoleLike {
	key: string;
	name: string;
	scope: string;
	isSystem: boolean;
	permissions: string[];
}

/** A code that only reads: `<module>.read`. */
export const isReadOnly = (code: string) => code.endsWith('.read');

export function presetsFor(
	roles: readonly RoleLike[],
	catalogue: readonly string[],
	scope: string
): Preset[] {
	return [
		{ name: 'Read-only', codes: catalogue.filter(isReadOnly) },
		...roles
			.filter((r) => r.isSystem && r.key !== 'owner' && r.scope === scope)
			.map((r) => ({ name: r.name, codes: r.permissions.filter((c) => catalogue.includes(c)) }))
	];
}
