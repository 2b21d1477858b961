/**
 * Quantities for people, one rule everywhere: bytes in binary units (KiB, MiB, GiB — the same on
 * cards, charts and limits), counts in full unless a compact form is asked for, money from minor
 * units, and durations.
 */
import type { Preferences } from './preferences';

type LocaleOption = Partial<Pick<Preferences, 'locale'>>;

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Bytes in binary units with at most one decimal: 1536 → "1.5 KiB", 24696061952 → "23 GiB". */
export function formatBytes(bytes: number | bigint | string, options: LocaleOption = {}): string {
	let value = Number(bytes);
	if (!Number.isFinite(value)) throw new RangeError(`Not a number of bytes: ${String(bytes)}`);
	let unit = 0;
	while (Math.abs(value) >= 1024 && unit < BINARY_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	const digits = unit === 0 ? 0 : 1;
	const number = new Intl.NumberFormat(options.locale ?? 'en', {
		maximumFractionDigits: digits
	}).format(value);
	return `${number} ${BINARY_UNITS[unit]}`;
}

/** A count: in full ("53,687") unless `compact` ("53.7K", the language's own short form). */
export function formatCount(
	value: number | bigint | string,
	options: LocaleOption & { compact?: boolean } = {}
): string {
	const number = typeof value === 'string' ? Number(value) : value;
	return new Intl.NumberFormat(
		options.locale ?? 'en',
		options.compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}
	).format(number);
}

/** Money from minor units and an ISO 4217 currency: (1999, 'usd') → "$19.99", (500, 'jpy') → "¥500". */
export function formatMoney(minor: number, currency: string, options: LocaleOption = {}): string {
	const format = new Intl.NumberFormat(options.locale ?? 'en', {
		style: 'currency',
		currency: currency.toUpperCase()
	});
	const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
	return format.format(minor / 10 ** digits);
}

const DURATION_UNITS: [string, number][] = [
	['d', 86_400_000],
	['h', 3_600_000],
	['min', 60_000],
	['s', 1000]
];

/**
 * A duration from milliseconds, in its two largest units: 850 → "850 ms", 45000 → "45 s",
 * 3900000 → "1 h 5 min", 183600000 → "2 d 3 h".
 */
export function formatDuration(ms: number, options: LocaleOption = {}): string {
	if (!Number.isFinite(ms)) throw new RangeError(`Not a duration: ${String(ms)}`);
	const number = new Intl.NumberFormat(options.locale ?? 'en', { maximumFractionDigits: 0 });
	const sign = ms < 0 ? '-' : '';
	let rest = Math.abs(ms);
	if (rest < 1000) return `${sign}${number.format(rest)} ms`;
	const first = DURATION_UNITS.findIndex(([, size]) => rest >= size);
	const parts: string[] = [];
	for (const [unit, size] of DURATION_UNITS.slice(first, first + 2)) {
		const whole = Math.floor(rest / size);
		if (whole > 0) parts.push(`${number.format(whole)} ${unit}`);
		rest -= whole * size;
	}
	return sign + parts.join(' ');
}
