/**
 * The preferences forms: the whole set on /account, and the theme alone from anywhere. The time
 * zone is only trimmed here ('' = each organisation's own); the table checks it against
 * pg_timezone_names (TN241), and the other values once more (TN240, TN242, TN243).
 */
import { z } from 'zod';
import '../../forms/messages';
import { DATE_FORMATS, LANGUAGES, THEMES } from '../../format/preferences';

const theme = z.enum(THEMES, { error: 'Choose light, dark or the system setting.' });

export const themeSchema = z.object({ theme });

export const preferencesSchema = z.object({
	theme,
	time_zone: z
		.string()
		.trim()
		.max(64, { error: 'Unknown time zone (use a name such as Europe/Paris).' })
		.default('')
		.transform((value) => value || null),
	date_format: z.enum(DATE_FORMATS, { error: 'Choose one of the date formats offered.' }),
	language: z.enum(LANGUAGES, { error: 'Choose one of the languages offered.' })
});

export type PreferencesInput = z.output<typeof preferencesSchema>;
