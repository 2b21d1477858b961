/** The SSO settings page's forms. */
import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';

const url = (what: string) =>
	z
		.string({ error: `Give the ${what}.` })
		.trim()
		.max(2000, { error: `Keep the ${what} under 2,000 characters.` })
		.refine((v) => /^https?:\/\/[^\s]+$/.test(v), { error: `The ${what} is an http(s) URL.` });

/** SAML: metadata (pasted, uploaded or by URL) or the three values by hand. */
export const samlProviderSchema = z.object({
	name: requiredText('provider a name', 100),
	metadata_xml: optionalText('metadata', 512 * 1024),
	metadata_url: z.union([z.literal(''), url('metadata URL')]).default(''),
	entity_id: optionalText('IdP entity id', 1000),
	sso_url: z.union([z.literal(''), url('SSO URL')]).default(''),
	certificate: optionalText('certificate', 20000)
});

export const oidcProviderSchema = z.object({
	name: requiredText('provider a name', 100),
	issuer: url('issuer'),
	client_id: requiredText('client id', 500),
	client_secret: optionalText('client secret', 2000)
});

export const providerIdSchema = z.object({ provider_id: id('Unknown identity provider.') });

export const serveDomainSchema = z.object({
	provider_id: id('Choose an identity provider.'),
	domain_id: id('Choose a verified domain.')
});

export const domainIdSchema = z.object({ domain_id: id('Unknown domain.') });

/** "engineers = developer" per line. */
export const mappingSchema = z.object({
	provider_id: id('Unknown identity provider.'),
	group_roles: optionalText('group mapping', 5000).transform((text, ctx) => {
		const map: Record<string, string> = {};
		for (const line of text
			.split('\n')
			.map((l) => l.trim())
			.filter(Boolean)) {
			const [group, role] = line.split('=').map((p) => p.trim());
			if (!group || !role) {
				ctx.addIssue({
					code: 'custom',
					message: `Write “group = role key” on each line (not “${line}”).`
				});
				return z.NEVER;
			}
			map[group] = role;
		}
		return map;
	}),
	mfa_contexts: optionalText('second-factor contexts', 5000).transform((text) =>
		text
			.split('\n')
			.map((l) => l.trim())
			.filter(Boolean)
			.slice(0, 20)
	)
});

export const enforcementSchema = z.object({
	enforce: z.literal('on').optional(),
	break_glass: z.union([z.literal(''), z.uuid({ error: 'Choose an owner.' })]).default('')
});
