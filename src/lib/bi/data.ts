/** What a widget shows, as the server computed it (the pages render it; shares store it). */
import type { ChartSeries } from '$lib/components/charts/scale';

export type WidgetData =
	| { type: 'series'; kind: 'line' | 'bar'; unit: 'count' | 'bytes'; series: ChartSeries[] }
	| { type: 'kpi'; value: number; previous: number | null; unit: 'count' | 'bytes' }
	| { type: 'pie'; slices: { label: string; value: number }[] }
	| { type: 'table'; columns: string[]; rows: Record<string, unknown>[]; truncated: boolean }
	| { type: 'text'; value: string; detail: string | null }
	| { type: 'figures'; items: { label: string; value: number | null; hint: string | null }[] }
	| { type: 'denied'; message: string }
	| { type: 'error'; message: string };

/** The change from the previous period in percent (null when there is nothing to compare with). */
export function change(value: number, previous: number | null): number | null {
	if (previous === null || previous === 0) return null;
	return Math.round(((value - previous) / previous) * 1000) / 10;
}
