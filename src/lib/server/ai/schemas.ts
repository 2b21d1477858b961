/** The AI pages' forms: a provider's access and the monthly budget. */
import { z } from 'zod';
import { id } from '../../forms/messages';

export const accessFormSchema = z.object({
	providerId: id('Choose a provider.'),
	access: z.enum(['platform', 'own_key'], { error: 'Choose the platform’s key or your own.' }),
	baseUrl: z
		.string()
		.trim()
		.max(500, { error: 'A URL is at most 500 characters.' })
		.refine((v) => v === '' || /^https?:\/\/\S+$/.test(v), {
			error: 'Give the endpoint’s URL, like https://llm.example.com/v1.'
		})
		.transform((v) => v || null),
	apiKey: z
		.string()
		.max(1000, { error: 'A key is at most 1,000 characters.' })
		.transform((v) => v.trim() || null),
	enabled: z
		.string()
		.optional()
		.transform((v) => v === 'on')
});

export const budgetFormSchema = z.object({
	budget: z
		.string()
		.trim()
		.refine((v) => v === '' || /^\d{1,10}(\.\d{1,2})?$/.test(v), {
			error: 'Give US dollars, like 25 or 25.50; empty for no budget.'
		})
		.transform((v) => v || null)
});

export const removeAccessSchema = z.object({ accessId: id('No such provider access.') });

const price = (what: string) =>
	z
		.string()
		.trim()
		.regex(/^\d{1,6}(\.\d{1,6})?$/, {
			error: `Give the ${what} price in USD per million tokens, like 0.15.`
		});

/** The console's change of a model's prices, context size and whether it is offered. */
export const modelFormSchema = z.object({
	modelId: id('No such model.'),
	inputUsdPerMtok: price('input'),
	outputUsdPerMtok: price('output'),
	contextTokens: z.coerce
		.number({ error: 'Give the context size in tokens.' })
		.int({ error: 'Give the context size in whole tokens.' })
		.min(1, { error: 'Give the context size in tokens.' })
		.max(10_000_000, { error: 'A context is at most 10,000,000 tokens.' }),
	active: z
		.string()
		.optional()
		.transform((v) => v === 'on')
});
