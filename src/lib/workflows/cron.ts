/**
 * Cron expressions for scheduled workflows: the five standard fields (minute, hour, day of month,
 * month, day of week) with `*`, lists, ranges, steps (`1-5/2`; a star with a step: every n) and month and day names
 * (jan–dec, sun–sat; 7 is Sunday too). As in Vixie cron, when both day fields are restricted a day
 * matches either. No package of node_modules parses cron, so this small one is tested in
 * cron.spec.ts. `nextTick` works in the tenant's IANA time zone: a tick in a daylight-saving gap
 * is skipped, a repeated hour runs once (its first occurrence).
 */

export interface CronSchedule {
	minutes: Set<number>;
	hours: Set<number>;
	days: Set<number>;
	months: Set<number>;
	weekdays: Set<number>;
	/** Whether the day-of-month / day-of-week field was `*` (then the other decides alone). */
	anyDay: boolean;
	anyWeekday: boolean;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
	name: string;
	min: number;
	max: number;
	names?: string[];
	/** Where the names start counting (months from 1, weekdays from 0). */
	nameBase?: number;
}

const FIELDS: Field[] = [
	{ name: 'minute', min: 0, max: 59 },
	{ name: 'hour', min: 0, max: 23 },
	{ name: 'day of the month', min: 1, max: 31 },
	{ name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
	{ name: 'day of the week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 }
];

function value(text: string, field: Field): number | null {
	const lower = text.toLowerCase();
	const named = field.names?.indexOf(lower) ?? -1;
	if (named >= 0) return named + (field.nameBase ?? 0);
	if (!/^\d{1,2}$/.test(text)) return null;
	const n = Number(text);
	return n >= field.min && n <= field.max ? n : null;
}

function parseField(text: string, field: Field): Set<number> | string {
	const out = new Set<number>();
	const range = `${field.min}–${field.max}`;
	for (const part of text.split(',')) {
		const [body = '', stepText, extra] = part.split('/');
		if (extra !== undefined || body === '')
			return `The ${field.name} field "${text}" is not valid.`;
		let step = 1;
		if (stepText !== undefined) {
			if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0)
				return `The step in the ${field.name} field "${part}" must be a number from 1.`;
			step = Number(stepText);
		}
		let from: number | null;
		let to: number | null;
		if (body === '*') {
			from = field.min;
			to = field.max;
		} else if (body.includes('-')) {
			const [a = '', b = ''] = body.split('-');
			from = value(a, field);
			to = value(b, field);
			if (from !== null && to !== null && from > to)
				return `The range "${body}" in the ${field.name} field runs backwards.`;
		} else {
			from = value(body, field);
			to = stepText !== undefined ? field.max : from;
		}
		if (from === null || to === null)
			return `The ${field.name} field "${text}" must use numbers ${range}${field.names ? ' or names' : ''}.`;
		for (let n = from; n <= to; n += step)
			out.add(field.name === 'day of the week' && n === 7 ? 0 : n);
	}
	return out;
}

/** Parses a five-field cron expression; the error is one sentence naming the bad field. */
export function parseCron(expression: string): CronParse {
	const parts = expression.trim().split(/\s+/);
	if (parts.length !== 5 || parts[0] === '')
		return {
			ok: false,
			error: `A schedule has five fields (minute hour day month weekday), such as "0 9 * * 1-5"; "${expression.trim()}" has ${parts[0] === '' ? 0 : parts.length}.`
		};
	const sets: Set<number>[] = [];
	for (const [i, field] of FIELDS.entries()) {
		const parsed = parseField(parts[i] as string, field);
		if (typeof parsed === 'string') return { ok: false, error: parsed };
		sets.push(parsed);
	}
	const [minutes, hours, days, months, weekdays] = sets as [
		Set<number>,
		Set<number>,
		Set<number>,
		Set<number>,
		Set<number>
	];
	return {
		ok: true,
		schedule: {
			minutes,
			hours,
			days,
			months,
			weekdays,
			anyDay: parts[2] === '*',
			anyWeekday: parts[4] === '*'
		}
	};
}

/** The wall-clock fields of an instant in a time zone, as a "local" UTC timestamp (ms). */
function wallClock(at: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit'
	}).formatToParts(new Date(at));
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
}

/** The instant whose wall clock in `timeZone` is `local`; null in a daylight-saving gap. */
function fromWallClock(local: number, timeZone: string): number | null {
	// Two passes find the offset (it may differ on either side of a transition); the earlier of
	// two matches is the first occurrence of a repeated hour.
	let guess = local - (wallClock(local, timeZone) - local);
	guess = local - (wallClock(guess, timeZone) - guess);
	const earlier = guess - 3_600_000;
	if (wallClock(earlier, timeZone) === local) return earlier;
	return wallClock(guess, timeZone) === local ? guess : null;
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
	const day = schedule.days.has(date.getUTCDate());
	const weekday = schedule.weekdays.has(date.getUTCDay());
	if (schedule.anyDay && schedule.anyWeekday) return true;
	if (schedule.anyDay) return weekday;
	if (schedule.anyWeekday) return day;
	return day || weekday;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The first tick strictly after `after`, in `timeZone`; null when none comes within 5 years. */
export function nextTick(schedule: CronSchedule, after: Date, timeZone: string): Date | null {
	let local = Math.floor(wallClock(after.getTime(), timeZone) / MINUTE) * MINUTE + MINUTE;
	const limit = local + 5 * 366 * DAY;
	while (local < limit) {
		const d = new Date(local);
		if (!schedule.months.has(d.getUTCMonth() + 1)) {
			local = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
			continue;
		}
		if (!dayMatches(schedule, d)) {
			local = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
			continue;
		}
		if (!schedule.hours.has(d.getUTCHours())) {
			local = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
			continue;
		}
		if (!schedule.minutes.has(d.getUTCMinutes())) {
			local += MINUTE;
			continue;
		}
		const at = fromWallClock(local, timeZone);
		if (at !== null && at > after.getTime()) return new Date(at);
		local += MINUTE;
	}
	return null;
}
