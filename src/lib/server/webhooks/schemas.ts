/**
 * The webhook pages' forms and the API's bodies share these rules (the SQL checks them again,
 * TN261–TN268): a URL of at most 2048 characters, https unless WEBHOOK_ALLOW_LOOPBACK is on (then
 * http too, for loopback receivers), with no user name or password in it; a description of at most
 * 500 characters; event types (none: every type); a rate limit of 1–1000 deliveries a second or
 * none; a rotation overlap of 0 seconds to 7 days. Where the URL points is checked apart, at save
 * time (destination.ts: the SSRF guard, with DNS).
 */
import { z } from 'zod';
import { id, optionalText, tooLong } from '../../forms/messages';
import {
	ALL_EVENTS,
	CHOSEN_EVENTS,
	EVENT_FIELD,
	MAX_DESCRIPTION,
	MAX_RATE_LIMIT,
	MAX_URL,
	WEBHOOK_SECRET_OVERLAPS
} from '../../webhooks/options';

export const URL_REQUIRED = 'Give the URL the events are sent to.';
export const URL_INVALID = 'Enter a full URL such as https://example.com/webhooks.';
export const URL_NEEDS_HTTPS = 'Use an https:// URL: events are only sent over TLS.';
export const URL_HAS_CREDENTIALS =
	'Leave the user name and password out of the URL: receivers check the signature instead.';
export const NO_EVENT_CHOSEN = 'Tick at least one event type, or choose all events.';

/** Where a URL was found to point (destination.ts), checked before the form is parsed. */
export interface CheckedDestination {
	url: string;
	problem: string | null;
}

/**
 * The endpoint URL rule; `allowLoopback` (WEBHOOK_ALLOW_LOOPBACK) also admits http. `checked`
 * carries the SSRF guard's answer for the submitted URL, so its refusal is a field error too.
 */
export function webhookUrl(allowLoopback: boolean, checked?: CheckedDestination) {
	return z
		.string({ error: URL_REQUIRED })
		.trim()
		.min(1, { error: URL_REQUIRED })
		.max(MAX_URL, { error: tooLong('URL', MAX_URL) })
		.superRefine((value, ctx) => {
			const problem =
				urlProblem(value, allowLoopback) ??
				(checked && checked.url === value ? checked.problem : null);
			if (problem) ctx.addIssue({ code: 'custom', message: problem });
		});
}

/** What is wrong with the URL's form (not where it points), or null. */
export function urlProblem(value: string, allowLoopback: boolean): string | null {
	if (/\s/.test(value) || !URL.canParse(value)) return URL_INVALID;
	const url = new URL(value);
	if (url.protocol !== 'https:' && !(allowLoopback && url.protocol === 'http:')) {
		return url.protocol === 'http:' ? URL_NEEDS_HTTPS : URL_INVALID;
	}
	if (!url.hostname) return URL_INVALID;
	if (url.username || url.password) return URL_HAS_CREDENTIALS;
	return null;
}

export const description = optionalText('description', MAX_DESCRIPTION);

const RATE_LIMIT = `Choose a rate limit of 1 to ${MAX_RATE_LIMIT} deliveries a second, or leave it empty for none.`;

/** A form's rate limit: empty is none. */
const rateLimitField = z
	.string()
	.trim()
	.default('')
	.transform((v, ctx) => {
		if (v === '') return null;
		const n = Number(v);
		if (!Number.isInteger(n) || n < 1 || n > MAX_RATE_LIMIT) {
			ctx.addIssue({ code: 'custom', message: RATE_LIMIT });
			return z.NEVER;
		}
		return n;
	});

export const apiRateLimit = z
	.int({ error: RATE_LIMIT })
	.min(1, { error: RATE_LIMIT })
	.max(MAX_RATE_LIMIT, { error: RATE_LIMIT })
	.nullable();

function chosenEvents(values: Record<string, unknown>): string[] {
	return Object.keys(values)
		.filter((key) => key.startsWith(EVENT_FIELD) && values[key] === 'on')
		.map((key) => key.slice(EVENT_FIELD.length))
		.sort();
}

export interface EndpointInput {
	url: string;
	description: string;
	/** Empty: every event type. */
	eventTypes: string[];
	rateLimit: number | null;
}

/** The create and edit form: URL, description, all events or the ticked ones, rate limit. */
export function endpointFormSchema(allowLoopback: boolean, checked?: CheckedDestination) {
	return z
		.object({
			url: webhookUrl(allowLoopback, checked),
			description,
			events: z.enum([ALL_EVENTS, CHOSEN_EVENTS], { error: 'Choose all events or some.' }),
			rateLimit: rateLimitField
		})
		.loose()
		.refine((v) => v.events === ALL_EVENTS || chosenEvents(v).length > 0, {
			path: ['eventTypes'],
			error: NO_EVENT_CHOSEN
		})
		.transform((v): EndpointInput => ({
			url: v.url,
			description: v.description,
			eventTypes: v.events === ALL_EVENTS ? [] : chosenEvents(v),
			rateLimit: v.rateLimit
		}));
}

export const endpointIdSchema = z.object({ endpoint: id('No such endpoint: reload the page.') });

export const enabledSchema = endpointIdSchema.extend({
	enabled: z.enum(['true', 'false'], { error: 'Choose on or off.' }).transform((v) => v === 'true')
});

export const OVERLAP_CHOICE = 'Choose how long the old secret keeps signing.';

export const rotateSchema = endpointIdSchema.extend({
	overlap: z
		.enum(WEBHOOK_SECRET_OVERLAPS.map((o) => o.value) as [string, ...string[]], {
			error: OVERLAP_CHOICE
		})
		.transform(Number)
});

export const deliveryIdSchema = z.object({ delivery: id('No such delivery: reload the page.') });

/** The API's overlap: any whole number of seconds from 0 to 7 days. */
export const apiOverlap = z
	.int({ error: 'Give the overlap in whole seconds, 0 to 604800 (7 days).' })
	.min(0, { error: 'Give the overlap in whole seconds, 0 to 604800 (7 days).' })
	.max(604800, { error: 'Give the overlap in whole seconds, 0 to 604800 (7 days).' });
