/** What the console's lists share: the page size and counting rows by a key. */

export const PAGE_SIZE = 25;

export function countsBy(
	rows: { key: string; n: string | number | bigint }[]
): Record<string, number> {
	return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}
