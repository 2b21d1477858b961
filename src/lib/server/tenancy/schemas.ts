import { z } from 'zod';
import { requiredText } from '../../forms/messages';

/**
 * Creating an organisation (a tenant): the same rules the database enforces, checked early. The
 * reserved addresses are the database's alone (tenants_slug_reserved, TN015).
 */
export const createTenantSchema = z.object({
	name: requiredText('name', 100, 'Give the organisation a name.'),
	slug: z
		.string({ error: 'Choose an address for the organisation.' })
		.trim()
		.toLowerCase()
		.regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
			error: 'Use 3–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.'
		})
		.refine((slug) => !slug.includes('--'), { error: 'Use single hyphens.' })
});
