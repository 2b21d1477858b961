/** What the webhook pages and their schemas share (no zod here: the pages bundle it). */

/** How long, in seconds, a rotated signing secret still signs beside its replacement. */
export const WEBHOOK_SECRET_OVERLAPS = [
	{ value: '0', label: 'Stop it now' },
	{ value: '3600', label: '1 hour' },
	{ value: '86400', label: '24 hours' },
	{ value: '259200', label: '3 days' },
	{ value: '604800', label: '7 days' }
] as const;

export const DEFAULT_SECRET_OVERLAP = '86400';

/** The event picker's checkboxes are named `event:<type>`. */
export const EVENT_FIELD = 'event:';

/** `events` is 'all' (every type, today's and later ones) or 'chosen' (the ticked ones). */
export const ALL_EVENTS = 'all';
export const CHOSEN_EVENTS = 'chosen';

export const MAX_URL = 2048;
export const MAX_DESCRIPTION = 500;
export const MAX_RATE_LIMIT = 1000;

export type DisabledReason = 'manual' | 'gone' | 'failing';

/**
 * An endpoint's state in words for its badge, and the status word StatusBadge colours it by:
 * "Enabled", "Failing since …" (on, but its attempts fail), "Disabled" (by hand), "Disabled:
 * answered 410", "Disabled: failing since …". `day` formats the date in the reader's preferences.
 */
export function endpointStatus(
	e: {
		enabled: boolean;
		disabledReason: DisabledReason | null;
		failingSince: Date | string | null;
	},
	day: (d: Date | string) => string
): { label: string; status: 'active' | 'pending' | 'failed' | 'disabled' } {
	if (e.enabled) {
		return e.failingSince
			? { label: `Failing since ${day(e.failingSince)}`, status: 'pending' }
			: { label: 'Enabled', status: 'active' };
	}
	if (e.disabledReason === 'gone') return { label: 'Disabled: answered 410', status: 'failed' };
	if (e.disabledReason === 'failing') {
		return {
			label: e.failingSince
				? `Disabled: failing since ${day(e.failingSince)}`
				: 'Disabled: failing',
			status: 'failed'
		};
	}
	return { label: 'Disabled', status: 'disabled' };
}
