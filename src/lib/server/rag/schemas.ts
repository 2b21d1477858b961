/** The documents page's forms (zod, every refusal a sentence). */
import { z } from 'zod';
import { requiredText } from '../../forms/messages';

export const urlDocumentSchema = z.object({
	title: requiredText('title', 200),
	url: z
		.string()
		.trim()
		.max(2000, { error: 'Keep the URL under 2,000 characters.' })
		.regex(/^https?:\/\/\S+$/i, { error: 'Give an http or https URL.' })
});

export const documentIdSchema = z.object({ document: z.uuid({ error: 'No such document.' }) });

export const askSchema = z.string().trim().min(1).max(2000);
