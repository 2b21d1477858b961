/** The choices the API keys page and its schemas share (no zod here: the page bundles it). */

/** Days until a new key expires ('0': never). */
export const API_KEY_EXPIRIES = [
	{ value: '30', label: '30 days' },
	{ value: '90', label: '90 days' },
	{ value: '365', label: '1 year' },
	{ value: '0', label: 'Never' }
] as const;

/** How long, in seconds, a rotated key keeps working beside its replacement. */
export const API_KEY_OVERLAPS = [
	{ value: '0', label: 'Stop it now' },
	{ value: '3600', label: '1 hour' },
	{ value: '86400', label: '24 hours' },
	{ value: '604800', label: '7 days' }
] as const;

export const DEFAULT_RATE_LIMIT = 600;
