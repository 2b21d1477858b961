/**
 * The arithmetic both charts share: the plot box inside a fixed-width viewBox (the SVG scales to
 * its container, so no JS measures anything and the server renders the final picture), a y axis
 * from zero to a round number above the data and the limits, and labels in UTC so the server and
 * the browser print the same day.
 */
export interface ChartPoint {
	x: string | Date;
	y: number;
}
export interface ChartSeries {
	label: string;
	points: ChartPoint[];
}
export interface ChartLimit {
	label: string;
	value: number;
	kind: 'soft' | 'hard';
}

export const WIDTH = 640;
export const MARGIN = { top: 16, right: 88, bottom: 32, left: 56 };

/** Colours by series index, from the theme (so dark mode follows). */
export const SERIES_COLOURS = [
	'var(--chart-1)',
	'var(--chart-2)',
	'var(--chart-3)',
	'var(--chart-4)'
];

export function toDate(x: string | Date): Date {
	return x instanceof Date ? x : new Date(x);
}

/** The x values of every series, in order, once each (a bar chart's categories). */
export function categories(series: ChartSeries[]): string[] {
	const seen = new Map<string, number>();
	for (const s of series) for (const p of s.points) seen.set(key(p.x), toDate(p.x).getTime());
	return [...seen.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
}

export function key(x: string | Date): string {
	return x instanceof Date ? x.toISOString() : x;
}

/** 1, 2 or 5 × a power of ten at or above `value`: a tick step people read at a glance. */
export function niceStep(value: number): number {
	if (value <= 0) return 1;
	const power = 10 ** Math.floor(Math.log10(value));
	const fraction = value / power;
	return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** The y axis: zero to a round top covering the data and every limit line, and its ticks. */
export function yAxis(series: ChartSeries[], limits: ChartLimit[], ticks = 4) {
	const values = [
		...series.flatMap((s) => s.points.map((p) => p.y)),
		...limits.map((l) => l.value)
	];
	const max = Math.max(0, ...values);
	const step = niceStep(max / ticks || 1);
	const top = Math.max(step, Math.ceil(max / step) * step);
	const list: number[] = [];
	for (let v = 0; v <= top + step / 2; v += step) list.push(v);
	return { top, ticks: list };
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const full = new Intl.NumberFormat('en');

export function formatNumber(value: number, short = true): string {
	return short ? compact.format(value) : full.format(value);
}

const day = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const month = new Intl.DateTimeFormat('en', { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A day ('2026-06-14', a Date) reads "Jun 14"; a month ('2026-06') reads "Jun 2026". */
export function formatX(x: string | Date): string {
	const date = toDate(x);
	if (Number.isNaN(date.getTime())) return String(x);
	return typeof x === 'string' && /^\d{4}-\d{2}$/.test(x) ? month.format(date) : day.format(date);
}

/** A sentence for screen readers: what is drawn, its range and the latest value of each series. */
export function summarise(series: ChartSeries[], limits: ChartLimit[]): string {
	const parts = series.map((s) => {
		if (s.points.length === 0) return `${s.label}: no data`;
		const ys = s.points.map((p) => p.y);
		const last = s.points.at(-1)!;
		return `${s.label}: ${s.points.length} points from ${formatX(s.points[0]!.x)} to ${formatX(last.x)}, lowest ${formatNumber(Math.min(...ys), false)}, highest ${formatNumber(Math.max(...ys), false)}, latest ${formatNumber(last.y, false)}`;
	});
	for (const l of limits) parts.push(`${l.kind} limit ${l.label}: ${formatNumber(l.value, false)}`);
	return parts.join('. ') + '.';
}

/** A coordinate to one decimal: enough for a screen, short in the markup. */
export function r(value: number): number {
	return Math.round(value * 10) / 10;
}
