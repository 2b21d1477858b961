/** Words for alerts on the pages (docs/bi-alerts.md), client-safe. */

export const ALERT_METRIC_LABELS: Record<string, string> = {
	api_calls: 'API calls (today)',
	active_users: 'Active users (today)',
	emails_sent: 'Emails sent (today)',
	storage_bytes: 'Storage in bytes',
	compute_minutes: 'Compute minutes (today)'
};

/** What an alert checks, in a few words: "above 100 for 10 min", "anomaly (z ≥ 3.5)", "0 9 * * *". */
export function alertRule(a: {
	kind: 'threshold' | 'anomaly' | 'schedule';
	comparison: 'above' | 'below' | null;
	threshold: number | string | null;
	forMinutes: number;
	scheduleCron: string | null;
	anomalyThreshold?: number;
}): string {
	if (a.kind === 'threshold')
		return `${a.comparison} ${Number(a.threshold)}${a.forMinutes ? ` for ${a.forMinutes} min` : ''}`;
	if (a.kind === 'anomaly') return `anomaly (|z| ≥ ${a.anomalyThreshold ?? 3.5})`;
	return `sends on ${a.scheduleCron}`;
}

/** The badge of an alert's state: StatusBadge's tone through its status, the words as label. */
export function alertBadge(a: {
	state: 'ok' | 'pending' | 'firing';
	enabled: boolean;
	muted: boolean;
	snoozedUntil: string | Date | null;
}): { status: string; label: string } {
	if (!a.enabled) return { status: 'off', label: 'off' };
	if (a.state === 'firing')
		return { status: 'failed', label: a.muted ? 'firing (muted)' : 'firing' };
	if (a.state === 'pending') return { status: 'pending', label: 'pending' };
	return { status: 'active', label: 'ok' };
}
