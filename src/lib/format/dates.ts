/**
 * Dates and times for people: in one time zone and language, in the person's date format, with a
 * relative form ("3 min. ago", "yesterday", "in 2 days") and the exact instant for a title.
 */
import type { DateFormat, Preferences } from './preferences';

export type Instant = Date | string | number;

/** The zone, language and date format a date is shown in: `page.data.preferences` fits. */
export type DateOptions = Pick<Preferences, 'timeZone' | 'locale' | 'dateFormat'>;

function toDate(value: Instant): Date {
	const date = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(date.getTime())) throw new RangeError(`Not a date: ${String(value)}`);
	return date;
}

/** The wall-clock fields of `date` in `timeZone`, zero-padded, 24-hour. */
function fields(date: Date, timeZone: string) {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).formatToParts(date);
	const get = (type: Intl.DateTimeFormatPartTypes) =>
		parts.find((p) => p.type === type)?.value ?? '';
	return {
		year: get('year'),
		month: get('month'),
		day: get('day'),
		hour: get('hour'),
		minute: get('minute'),
		second: get('second')
	};
}

const NUMERIC_DAY: Record<
	Exclude<DateFormat, 'medium'>,
	(f: ReturnType<typeof fields>) => string
> = {
	iso: (f) => `${f.year}-${f.month}-${f.day}`,
	us: (f) => `${f.month}/${f.day}/${f.year}`,
	eu: (f) => `${f.day}.${f.month}.${f.year}`
};

/** The calendar day: "1 Dec 2026" (medium, en-GB), "2026-12-01" (iso), "12/01/2026" (us), "01.12.2026" (eu). */
export function formatDate(value: Instant, options: DateOptions): string {
	const date = toDate(value);
	if (options.dateFormat === 'medium') {
		return new Intl.DateTimeFormat(options.locale, {
			timeZone: options.timeZone,
			day: 'numeric',
			month: 'short',
			year: 'numeric'
		}).format(date);
	}
	return NUMERIC_DAY[options.dateFormat](fields(date, options.timeZone));
}

/** The time of day to the minute: the language's clock for medium and us ("3:05 AM"), 24-hour otherwise ("03:05"). */
export function formatTime(value: Instant, options: DateOptions): string {
	const date = toDate(value);
	if (options.dateFormat === 'iso' || options.dateFormat === 'eu') {
		const f = fields(date, options.timeZone);
		return `${f.hour}:${f.minute}`;
	}
	return new Intl.DateTimeFormat(options.dateFormat === 'us' ? 'en-US' : options.locale, {
		timeZone: options.timeZone,
		hour: 'numeric',
		minute: '2-digit'
	}).format(date);
}

/** Day and time: "1 Dec 2026, 03:05", "2026-12-01 03:05". */
export function formatDateTime(value: Instant, options: DateOptions): string {
	const separator = options.dateFormat === 'iso' ? ' ' : ', ';
	return formatDate(value, options) + separator + formatTime(value, options);
}

/** The exact instant for a title or tooltip: day, time to the second and the zone ("… 03:05:03 Europe/Paris"). */
export function formatExact(value: Instant, options: DateOptions): string {
	const date = toDate(value);
	const f = fields(date, options.timeZone);
	return `${formatDate(date, options)} ${f.hour}:${f.minute}:${f.second} ${options.timeZone}`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	['year', 365 * 24 * 3600],
	['month', 30 * 24 * 3600],
	['week', 7 * 24 * 3600],
	['day', 24 * 3600],
	['hour', 3600],
	['minute', 60],
	['second', 1]
];

/**
 * How long ago (or how soon) `value` is from `now`, in the language's short words: "now",
 * "3 min. ago", "in 2 hr.", "yesterday", "in 2 days", "last month". The largest unit that is at
 * least one whole; under 10 seconds is "now".
 */
export function formatRelative(
	value: Instant,
	options: Pick<Preferences, 'locale'> & { now?: Instant }
): string {
	const seconds = (toDate(value).getTime() - toDate(options.now ?? Date.now()).getTime()) / 1000;
	const words = new Intl.RelativeTimeFormat(options.locale, { numeric: 'auto', style: 'short' });
	if (Math.abs(seconds) < 10) return words.format(0, 'second');
	for (const [unit, size] of UNITS) {
		if (Math.abs(seconds) >= size) return words.format(Math.trunc(seconds / size), unit);
	}
	return words.format(0, 'second');
}

/** ISO 8601 in UTC, for `<time datetime>`. */
export function isoInstant(value: Instant): string {
	return toDate(value).toISOString();
}
