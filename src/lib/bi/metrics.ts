/**
 * The platform metrics a widget can show (docs/bi.md#widgets): daily series from
 * tenant_usage_daily, and the home dashboard's panels (organisation, usage, billing, health,
 * activity, projects, announcements).
 */
export const TIME_RANGES = ['24h', '7d', '30d', '90d', '365d'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];
export const RANGE_DAYS: Record<TimeRange, number> = {
	'24h': 1,
	'7d': 7,
	'30d': 30,
	'90d': 90,
	'365d': 365
};
export const RANGE_LABELS: Record<TimeRange, string> = {
	'24h': 'Today',
	'7d': 'Last 7 days',
	'30d': 'Last 30 days',
	'90d': 'Last 90 days',
	'365d': 'Last 365 days'
};
export const REFRESH_CHOICES = [0, 30, 60, 300, 900] as const;

export const WIDGET_KINDS = ['line', 'bar', 'pie', 'table', 'kpi'] as const;
export type WidgetKind = (typeof WIDGET_KINDS)[number];

export interface MetricInfo {
	label: string;
	/** sum: the range's total (a flow); last: the latest day's value (a level). */
	aggregate: 'sum' | 'last' | 'panel';
	unit: 'count' | 'bytes';
}

export const METRICS: Record<string, MetricInfo> = {
	active_users: { label: 'Active users', aggregate: 'last', unit: 'count' },
	api_calls: { label: 'API calls', aggregate: 'sum', unit: 'count' },
	emails_sent: { label: 'Emails sent', aggregate: 'sum', unit: 'count' },
	storage_bytes: { label: 'Storage', aggregate: 'last', unit: 'bytes' },
	compute_minutes: { label: 'Compute minutes', aggregate: 'sum', unit: 'count' },
	usage_summary: { label: 'Usage against the plan', aggregate: 'panel', unit: 'count' },
	billing_status: { label: 'Billing status', aggregate: 'panel', unit: 'count' },
	system_health: { label: 'System health', aggregate: 'panel', unit: 'count' },
	announcements: { label: 'Announcements', aggregate: 'panel', unit: 'count' },
	organisation: { label: 'Members, invitations and projects', aggregate: 'panel', unit: 'count' },
	recent_activity: { label: 'Recent activity', aggregate: 'panel', unit: 'count' },
	latest_projects: { label: 'Latest projects', aggregate: 'panel', unit: 'count' }
};

export interface LayoutCell {
	widget: string;
	x: number;
	y: number;
	w: number;
	h: number;
}

export const GRID_COLUMNS = 12;

/** The layout with one cell moved or resized by (dx, dy, dw, dh), kept on the grid. */
export function nudge(
	layout: LayoutCell[],
	widget: string,
	dx: number,
	dy: number,
	dw = 0,
	dh = 0
): LayoutCell[] {
	return layout.map((cell) => {
		if (cell.widget !== widget) return cell;
		const w = Math.min(GRID_COLUMNS, Math.max(1, cell.w + dw));
		const h = Math.min(12, Math.max(1, cell.h + dh));
		const x = Math.min(GRID_COLUMNS - w, Math.max(0, cell.x + dx));
		const y = Math.min(500, Math.max(0, cell.y + dy));
		return { widget, x, y, w, h };
	});
}

/** Where a new widget goes: the first row below every cell, full width halves. */
export function nextCell(layout: LayoutCell[], widget: string): LayoutCell {
	const bottom = layout.reduce((max, c) => Math.max(max, c.y + c.h), 0);
	return { widget, x: 0, y: bottom, w: 6, h: 3 };
}

/** Cells in reading order (top to bottom, left to right): the order of the page and of the keyboard. */
export function readingOrder(layout: LayoutCell[]): LayoutCell[] {
	return [...layout].sort((a, b) => a.y - b.y || a.x - b.x);
}
