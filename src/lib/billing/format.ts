/**
 * Billing and usage words the format module (`$lib/format`) does not own: a status's label and
 * badge tone, and a metric's quantity in its unit (bytes in binary units, everything else counted).
 */
import { formatBytes, formatCount, type Language } from '$lib/format';

export type Tone = 'neutral' | 'success' | 'warning' | 'destructive';

const STATUS: Record<string, { label: string; tone: Tone }> = {
	trialing: { label: 'Trial', tone: 'success' },
	active: { label: 'Active', tone: 'success' },
	past_due: { label: 'Past due', tone: 'destructive' },
	pending_verification: { label: 'Pending verification', tone: 'warning' },
	cancelled: { label: 'Cancelled', tone: 'neutral' },
	expired: { label: 'Expired', tone: 'destructive' },
	paid: { label: 'Paid', tone: 'success' },
	open: { label: 'Open', tone: 'warning' },
	draft: { label: 'Draft', tone: 'neutral' },
	void: { label: 'Void', tone: 'neutral' },
	uncollectible: { label: 'Uncollectible', tone: 'destructive' },
	pending: { label: 'Pending verification', tone: 'warning' },
	succeeded: { label: 'Succeeded', tone: 'success' },
	failed: { label: 'Failed', tone: 'destructive' },
	refunded: { label: 'Refunded', tone: 'neutral' }
};

export function status(value: string): { label: string; tone: Tone } {
	return STATUS[value] ?? { label: value, tone: 'neutral' };
}

/**
 * Badge classes per tone: the tone in the border and a light fill, the words in the foreground
 * colour (a success or warning colour as text fails contrast on its own tint in the light theme).
 */
export const TONE_CLASSES: Record<Tone, string> = {
	neutral: 'bg-muted text-foreground border-border',
	success: 'bg-success/10 text-foreground border-success/60',
	warning: 'bg-warning/10 text-foreground border-warning/70',
	destructive: 'bg-destructive/10 text-foreground border-destructive/60'
};

/** A quantity in its metric's unit: bytes in binary units (KiB, MiB, GiB), anything else counted. */
export function quantity(value: number, unit: string, locale?: Language): string {
	if (unit === 'bytes') return formatBytes(value, { locale });
	return `${formatCount(value, { locale })} ${unit}`;
}

/** The axis ticks of a chart in the metric's unit: bytes as binary units, counts compact. */
export function axisQuantity(value: number, unit: string): string {
	return unit === 'bytes' ? formatBytes(value) : formatCount(value, { compact: true });
}
