/**
 * The alert form's and the API's input (docs/bi-alerts.md): one schema, each refusal a sentence.
 * SQL checks the same rules again (TN535–TN541); these say it before the round trip.
 */
import { z } from 'zod';
import { parseCron } from '../../../workflows/cron';

export const ALERT_KINDS = ['threshold', 'anomaly', 'schedule'] as const;
export const ALERT_SOURCES = ['metric', 'query', 'widget'] as const;
export const CHANNEL_KINDS = ['in_app', 'email', 'slack', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const number = (what: string) =>
	z.preprocess(
		(v) => (v === '' || v === undefined || v === null ? undefined : Number(v)),
		z
			.number({ error: `Give ${what} as a number.` })
			.refine(Number.isFinite, `Give ${what} as a number.`)
	);

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

export const alertSchema = z
	.object({
		name: z
			.string({ error: 'Give the alert a name.' })
			.trim()
			.min(1, 'Give the alert a name.')
			.max(100, 'An alert name is at most 100 characters.'),
		source: z.enum(ALERT_SOURCES, { error: 'Choose what the alert watches.' }),
		metric: z.preprocess(
			blankToUndefined,
			z
				.string()
				.regex(/^[a-z][a-z0-9_]{1,40}$/)
				.optional()
		),
		saved_query_id: z.preprocess(
			blankToUndefined,
			z.uuid({ error: 'Choose a saved query.' }).optional()
		),
		widget_id: z.preprocess(blankToUndefined, z.uuid({ error: 'Choose a widget.' }).optional()),
		kind: z.enum(ALERT_KINDS, { error: 'Choose threshold, anomaly or schedule.' }),
		comparison: z.preprocess(blankToUndefined, z.enum(['above', 'below']).optional()),
		threshold: z.preprocess(blankToUndefined, number('the threshold').optional()),
		for_minutes: z.preprocess(
			blankToUndefined,
			number('the minutes')
				.pipe(
					z
						.number()
						.int('Give whole minutes.')
						.min(0, 'Give 0 to 1440 minutes.')
						.max(1440, 'Give 0 to 1440 minutes.')
				)
				.optional()
		),
		anomaly_threshold: z.preprocess(
			blankToUndefined,
			number('the anomaly threshold')
				.pipe(
					z
						.number()
						.min(1, 'The anomaly threshold is 1 to 20.')
						.max(20, 'The anomaly threshold is 1 to 20.')
				)
				.optional()
		),
		anomaly_weeks: z.preprocess(
			blankToUndefined,
			number('the weeks')
				.pipe(
					z
						.number()
						.int()
						.min(2, 'The baseline is 2 to 12 weeks.')
						.max(12, 'The baseline is 2 to 12 weeks.')
				)
				.optional()
		),
		schedule_cron: z.preprocess(blankToUndefined, z.string().max(100).optional()),
		channels: z.array(z.enum(CHANNEL_KINDS)).max(4).default([]),
		slack_integration_id: z.preprocess(blankToUndefined, z.uuid().optional()),
		slack_channel: z.preprocess(blankToUndefined, z.string().trim().max(80).optional())
	})
	.superRefine((v, ctx) => {
		const issue = (path: string, message: string) =>
			ctx.addIssue({ code: 'custom', path: [path], message });
		if (v.source === 'metric' && !v.metric) issue('metric', 'Choose a metric.');
		if (v.source === 'query' && !v.saved_query_id) issue('saved_query_id', 'Choose a saved query.');
		if (v.source === 'widget' && !v.widget_id) issue('widget_id', 'Choose a widget.');
		if (v.kind === 'threshold') {
			if (!v.comparison) issue('comparison', 'Choose above or below.');
			if (v.threshold === undefined) issue('threshold', 'Give the threshold.');
		}
		if (v.kind === 'anomaly' && v.source !== 'metric')
			issue(
				'source',
				'An anomaly alert watches a metric (a saved query has no history to compare with).'
			);
		if (v.kind === 'schedule') {
			const parsed = parseCron(v.schedule_cron ?? '');
			if (!parsed.ok) issue('schedule_cron', parsed.error);
		}
		if (v.channels.includes('slack') && (!v.slack_integration_id || !v.slack_channel))
			issue('slack_channel', 'Choose the Slack integration and the channel.');
		if (
			v.slack_channel &&
			!/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20})$/.test(v.slack_channel)
		)
			issue(
				'slack_channel',
				'A Slack channel is an id such as C0123ABCD or a name such as #alerts.'
			);
	});

export type AlertInput = z.infer<typeof alertSchema>;

/** The page's form: one checkbox per channel (channel_in_app …) becomes `channels`. */
export const alertFormSchema = z.preprocess(
	(v) =>
		typeof v === 'object' && v !== null
			? {
					...v,
					channels: CHANNEL_KINDS.filter(
						(k) => (v as Record<string, unknown>)[`channel_${k}`] === 'on'
					)
				}
			: v,
	alertSchema
);

export const alertIdSchema = z.object({ alert: z.uuid({ error: 'No such alert.' }) });

export const snoozeSchema = z.object({
	alert: z.uuid({ error: 'No such alert.' }),
	hours: z.coerce
		.number({ error: 'Choose how long to snooze.' })
		.int()
		.min(0, 'Choose how long to snooze.')
		.max(720, 'Snooze for at most 30 days.')
});

export const muteSchema = z.object({
	alert: z.uuid({ error: 'No such alert.' }),
	muted: z.enum(['true', 'false']).transform((v) => v === 'true')
});
