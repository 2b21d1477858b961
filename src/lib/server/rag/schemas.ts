/** The documents page's forms (zod, every refusal a sentence). */
import { z } from 'zod';
import { requiredText } from '../../forms/messages';
import { OCR_ENGINES, type OcrEngine } from '../../rag/options';

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

/** The OCR form's fields besides its file: an optional title, the engine, and the RAG option. */
export const ocrFormSchema = z.object({
	title: z
		.string()
		.trim()
		.max(200, { error: 'Keep the title under 200 characters.' })
		.optional()
		.transform((t) => t || undefined),
	engine: z.enum(Object.keys(OCR_ENGINES) as [OcrEngine, ...OcrEngine[]], {
		error: 'Choose an engine: tesseract (the one this installation runs).'
	}),
	feedRag: z
		.literal('on', { error: 'Tick the box or leave it empty.' })
		.optional()
		.transform((v) => v === 'on')
});

export const ocrJobIdSchema = z.object({ job: z.uuid({ error: 'No such OCR job.' }) });
