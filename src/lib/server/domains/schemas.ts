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

/** An uploaded certificate: the PEM chain (leaf first) and its private key, for one domain. */
export const certificateUploadSchema = z.object({
	domainId: z.uuid({ error: 'Choose one of the organisation’s domains.' }),
	chain: z
		.string({ error: 'Paste the certificate chain (PEM).' })
		.trim()
		.min(1, { error: 'Paste the certificate chain (PEM), the domain’s certificate first.' })
		.max(65536, { error: 'A chain is at most 64 KiB of PEM: leave out the root certificate.' }),
	privateKey: z
		.string({ error: 'Paste the private key (PEM).' })
		.trim()
		.min(1, { error: 'Paste the private key (PEM) the certificate was requested with.' })
		.max(16384, { error: 'A private key is at most 16 KiB of PEM.' })
});
