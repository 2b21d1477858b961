import { z } from 'zod';

/** Creating an organisation (a tenant): the same rules the database enforces, checked early. */
export const createTenantSchema = z.object({
	name: z
		.string()
		.trim()
		.min(1, { error: 'Give the organisation a name.' })
		.max(100, { error: 'Keep the name under 100 characters.' }),
	slug: z
		.string()
		.trim()
		.toLowerCase()
		.regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
			error: 'Use 3–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.'
		})
		.refine((slug) => !slug.includes('--'), { error: 'Use single hyphens.' })
});
