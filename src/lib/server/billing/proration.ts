/**
 * Stripe's arithmetic for a plan change, to the second: the unused time of the old price is
 * credited and the remaining time of the new one charged, each as the price × the share of the
 * period left, rounded to the minor unit. A change to another interval resets the billing cycle
 * instead: the unused time is credited and a full period of the new price charged from now.
 */
export interface ProrationPrice {
	name: string;
	unitAmount: number;
	currency: string;
	interval: 'month' | 'year';
}

export interface ProrationLine {
	description: string;
	amount: number;
	start: number;
	end: number;
	proration: boolean;
}

export interface Proration {
	lines: ProrationLine[];
	total: number;
	/** The subscription's period after the change (unix seconds). */
	periodStart: number;
	periodEnd: number;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
	day: 'numeric',
	month: 'short',
	year: 'numeric',
	timeZone: 'UTC'
});

/** "22 Nov 2026", as Stripe writes proration lines. */
export function stripeDate(seconds: number): string {
	return dateFormat.format(new Date(seconds * 1000));
}

export function formatAmount(amount: number, currency: string): string {
	return new Intl.NumberFormat('en-US', {
		style: 'currency',
		currency: currency.toUpperCase()
	}).format(amount / 100);
}

/**
 * One interval after `from` (unix seconds), the way Stripe advances a billing cycle: the same
 * day and time of the next month (or year), or that month's last day when it is shorter.
 */
export function addInterval(from: number, interval: 'month' | 'year', anchorDay?: number): number {
	const date = new Date(from * 1000);
	const day = anchorDay ?? date.getUTCDate();
	const months = interval === 'year' ? 12 : 1;
	const target = new Date(
		Date.UTC(
			date.getUTCFullYear(),
			date.getUTCMonth() + months,
			1,
			date.getUTCHours(),
			date.getUTCMinutes(),
			date.getUTCSeconds()
		)
	);
	const lastDay = new Date(
		Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)
	).getUTCDate();
	target.setUTCDate(Math.min(day, lastDay));
	return Math.floor(target.getTime() / 1000);
}

export function prorate(input: {
	periodStart: number;
	periodEnd: number;
	at: number;
	from: ProrationPrice;
	to: ProrationPrice;
}): Proration {
	const { periodStart, periodEnd, at, from, to } = input;
	if (at < periodStart || at >= periodEnd) {
		throw new RangeError('the proration date must fall inside the current period');
	}
	const share = (periodEnd - at) / (periodEnd - periodStart);
	const lines: ProrationLine[] = [
		{
			description: `Unused time on ${from.name} after ${stripeDate(at)}`,
			amount: -Math.round(from.unitAmount * share),
			start: at,
			end: periodEnd,
			proration: true
		}
	];
	let next = { periodStart, periodEnd };
	if (from.interval === to.interval) {
		lines.push({
			description: `Remaining time on ${to.name} after ${stripeDate(at)}`,
			amount: Math.round(to.unitAmount * share),
			start: at,
			end: periodEnd,
			proration: true
		});
	} else {
		next = { periodStart: at, periodEnd: addInterval(at, to.interval) };
		lines.push({
			description: `1 × ${to.name} (at ${formatAmount(to.unitAmount, to.currency)} / ${to.interval})`,
			amount: to.unitAmount,
			start: next.periodStart,
			end: next.periodEnd,
			proration: false
		});
	}
	return { lines, total: lines.reduce((sum, l) => sum + l.amount, 0), ...next };
}
