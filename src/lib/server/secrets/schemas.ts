/**
 * The secrets pages' forms (the API's bodies are in api/v1/secrets.ts; SQL checks both again,
 * TN311–TN320). The value's field is `secretValue`, which a refused form never sends back
 * (platform/web/forms.ts); whether it is what its format says is format.ts's, at write time.
 */
import { z } from 'zod';
import { id, optionalText, requiredText } from '../../forms/messages';
import {
	MAX_SECRET_DESCRIPTION,
	MAX_SECRET_NAME,
	SECRET_FORMATS,
	SECRET_NAME
} from '../../secrets/options';

export const NAME_RULE =
	'Use letters, digits, _ . or -, not starting with . or - (for example STRIPE_API_KEY).';
export const VALUE_REQUIRED = 'Give the value.';

const value = z.string({ error: VALUE_REQUIRED }).min(1, { error: VALUE_REQUIRED });

export const secretFormSchema = z.object({
	name: requiredText('name', MAX_SECRET_NAME).regex(SECRET_NAME, { error: NAME_RULE }),
	format: z.enum(SECRET_FORMATS, { error: 'Choose a format.' }),
	secretValue: value,
	description: optionalText('description', MAX_SECRET_DESCRIPTION),
	projectId: z
		.union([z.literal(''), id('No such project: reload the page.')])
		.default('')
		.transform((v) => v || null)
});

export const secretIdSchema = z.object({ secret: id('No such secret: reload the page.') });

export const versionFormSchema = secretIdSchema.extend({ secretValue: value });

export const revealFormSchema = secretIdSchema.extend({
	version: z.coerce
		.number({ error: 'Choose a version.' })
		.int()
		.min(1, { error: 'Choose a version.' })
});
