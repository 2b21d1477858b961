/** How the billing and usage pages print money, dates, statuses and quantities. */
export function money(amount: number, currency: string): string {
	return new Intl.NumberFormat('en-US', {
		style: 'currency',
		currency: currency.toUpperCase()
	}).format(amount / 100);
}

export function day(value: string | Date | null | undefined, timeZone = 'UTC'): string {
	if (!value) return '—';
	return new Intl.DateTimeFormat('en-GB', {
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		timeZone
	}).format(new Date(value));
}

const STATUS: Record<string, { label: string; tone: '' | 'ok' | 'warn' | 'danger' }> = {
	trialing: { label: 'Trial', tone: 'ok' },
	active: { label: 'Active', tone: 'ok' },
	past_due: { label: 'Past due', tone: 'danger' },
	pending_verification: { label: 'Pending verification', tone: 'warn' },
	cancelled: { label: 'Cancelled', tone: '' },
	expired: { label: 'Expired', tone: 'danger' },
	paid: { label: 'Paid', tone: 'ok' },
	open: { label: 'Open', tone: 'warn' },
	draft: { label: 'Draft', tone: '' },
	void: { label: 'Void', tone: '' },
	uncollectible: { label: 'Uncollectible', tone: 'danger' },
	pending: { label: 'Pending verification', tone: 'warn' },
	succeeded: { label: 'Succeeded', tone: 'ok' },
	failed: { label: 'Failed', tone: 'danger' },
	refunded: { label: 'Refunded', tone: '' }
};

export function status(value: string): { label: string; tone: string } {
	return STATUS[value] ?? { label: value, tone: '' };
}

const BYTES = ['B', 'KB', 'MB', 'GB', 'TB'];

/** A quantity in its metric's unit: bytes as KB/MB/GB, everything else grouped. */
export function quantity(value: number, unit: string): string {
	if (unit === 'bytes') {
		let v = value;
		let i = 0;
		while (Math.abs(v) >= 1024 && i < BYTES.length - 1) {
			v /= 1024;
			i++;
		}
		return `${new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(v)} ${BYTES[i]}`;
	}
	return `${new Intl.NumberFormat('en').format(value)} ${unit}`;
}
