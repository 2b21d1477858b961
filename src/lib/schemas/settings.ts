import { z } from 'zod';
import { DATA_REGIONS } from './options';
import { createTenantSchema } from './tenant';

/** Words tenants_slug_format refuses as an organisation's address. */
const RESERVED_SLUGS = new Set(
	'admin api app auth www mail static assets status support billing login signup settings tenantry'.split(
		' '
	)
);

/** Every IANA zone this runtime knows, plus UTC (which Intl lists only as an alias). */
export function timeZones(): string[] {
	return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
}

const optional = <T extends z.ZodType>(schema: T) =>
	z.union([z.literal('').transform(() => undefined), schema]);

export const settingsSchema = z.object({
	name: createTenantSchema.shape.name,
	slug: createTenantSchema.shape.slug.refine((slug) => !RESERVED_SLUGS.has(slug), {
		error: 'That address is reserved: choose another.'
	}),
	timezone: z.string().refine((zone) => timeZones().includes(zone), {
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
			.regex(/^#[0-9a-fA-F]{6}$/, { error: 'Use a colour such as #d9480f.' })
	),
	logoUrl: optional(
		z
			.string()
			.trim()
			.max(2048, { error: 'Keep the address under 2048 characters.' })
			.regex(/^https:\/\/[^\s"<>]+$/, { error: 'Use an https:// address.' })
	),
	requireMfa: z
		.literal('on')
		.optional()
		.transform((v) => v === 'on')
});

export const archiveSchema = z.object({
	reason: z.string().trim().max(500, { error: 'Keep the reason under 500 characters.' }),
	confirm: z.string().trim()
});
