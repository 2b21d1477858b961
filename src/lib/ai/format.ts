/** USD from the database's exact decimal text: cents for sums, more digits for sub-cent costs. */
export function usd(value: string | null): string {
	if (value === null) return '';
	const n = Number(value);
	if (n !== 0 && Math.abs(n) < 0.01)
		return `$${n.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`;
	return `$${n.toFixed(2)}`;
}
