/**
 * Fractional-index keys: base-62 strings (0-9A-Za-z, compared bytewise, never ending in 0) such
 * that a key strictly between any two always exists, so a card moves by rewriting its own key
 * only. The midpoint algorithm of `fractional-indexing` (rocicorp), without its integer part.
 * SQL has the same function, `private.fractional_key_between` (20261203000700_tasks.sql), which is
 * the one that decides a move; the board uses this one to place a card at once, before the
 * server's answer.
 */
export const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY = /^[0-9A-Za-z]*[1-9A-Za-z]$/;

/** Is this a well-formed key? */
export function isKey(key: string): boolean {
	return KEY.test(key);
}

/** Bytewise comparison, as Postgres' "C" collation (not localeCompare). */
export function compareKeys(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** A key strictly between `a` and `b` (null or '': the start; `b` null: the end). */
export function keyBetween(a: string | null, b: string | null): string {
	const lo = a ?? '';
	if ((lo !== '' && !isKey(lo)) || (b !== null && !isKey(b))) {
		throw new Error('A position key is base-62 digits not ending in 0.');
	}
	if (b !== null && lo >= b)
		throw new Error(`Position keys out of order: ${lo} is not before ${b}.`);
	return midpoint(lo, b);
}

function midpoint(a: string, b: string | null): string {
	if (b !== null) {
		let n = 0;
		while ((a[n] ?? '0') === b[n]) n++;
		if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
	}
	const digitA = a ? DIGITS.indexOf(a.charAt(0)) : 0;
	const digitB = b !== null ? DIGITS.indexOf(b.charAt(0)) : DIGITS.length;
	if (digitB - digitA > 1) return DIGITS.charAt(Math.round((digitA + digitB) / 2));
	if (b !== null && b.length > 1) return b.slice(0, 1);
	return DIGITS.charAt(digitA) + midpoint(a.slice(1), null);
}
