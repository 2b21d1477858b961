/**
 * Lists of an enum's values for the pages (selects, filters), checked against the union the
 * generated types (src/lib/server/platform/database.ts, `npm run db:types`) derive from the
 * database: a value the enum does not have, or one it gained, fails `npm run check`.
 */
export function enumValues<U extends string>() {
	return <const L extends readonly U[]>(
		values: L & ([U] extends [L[number]] ? unknown : 'a value of the enum is missing')
	): L => values;
}
