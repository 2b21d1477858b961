/** Counting the console's rows by a key (tenants or subscriptions by status). */

export function countsBy(
	rows: { key: string; n: string | number | bigint }[]
): Record<string, number> {
	return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}
