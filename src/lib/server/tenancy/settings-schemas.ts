import { z } from 'zod';
import { optionalText, tooLong } from '../../forms/messages';
import { DATA_REGIONS } from '../../options';
import { createTenantSchema } from './schemas';

/** Every IANA zone this runtime knows, plus UTC (which Intl lists only as an alias). */
export function timeZones(): string[] {
	return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
}

const optional = <T extends z.ZodType>(schema: T, error: string) =>
	z.union([z.literal('').transform(() => undefined), schema], { error });

export const settingsSchema = z.object({
	name: createTenantSchema.shape.name,
	// Reserved addresses are refused by the database (tenants_slug_reserved), in its words.
	slug: createTenantSchema.shape.slug,
	timezone: z
		.string({ error: 'Choose a time zone from the list.' })
		.refine((zone) => timeZones().includes(zone), {
			error: 'Choose a time zone from the list.'
		}),
	dataRegion: z.enum(
		DATA_REGIONS.map((r) => r.value),
		{ error: 'Choose one of the listed data regions.' }
	),
	primaryColor: optional(
		z
			.string()
			.trim()
			.regex(/^#[0-9a-fA-F]{6}$/, { error: 'Use a colour such as #d9480f.' }),
		'Use a colour such as #d9480f.'
	),
	logoUrl: optional(
		z
			.string()
			.trim()
			.max(2048, { error: tooLong('address', 2048) })
			.regex(/^https:\/\/[^\s"<>]+$/, { error: 'Use an https:// address.' }),
		'Use an https:// address.'
	),
	requireMfa: z
		.literal('on', { error: 'Tick the box or leave it empty.' })
		.optional()
		.transform((v) => v === 'on')
});

export const archiveSchema = z.object({
	reason: optionalText('reason', 500),
	confirm: z.string({ error: 'Type the organisation’s address to confirm.' }).trim()
});
