import { z } from 'zod';
import { tooLong } from '../../forms/messages';

/** A custom domain a tenant claims: a lower-case host name the database accepts too. */
export const addDomainSchema = z.object({
	domain: z
		.string({ error: 'Enter a host name such as portal.example.com.' })
		.trim()
		.toLowerCase()
		.transform((d) => d.replace(/^https?:\/\//, '').replace(/[/.]+$/, ''))
		.pipe(
			z
				.string()
				.max(253, { error: tooLong('domain', 253) })
				.regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
					error: 'Enter a host name such as portal.example.com (no path, no port).'
				})
				.refine((d) => !d.endsWith('.localhost'), {
					error: 'Subdomains of localhost already work without being added.'
				})
		)
});

export const domainIdSchema = z.object({ id: z.uuid({ error: 'Unknown domain.' }) });
