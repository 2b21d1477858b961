/** Client-safe words and limits of the documents page (docs/rag.md). */
import type { FileKind } from '$lib/storage/kinds';

export const DOCUMENT_STATUS_LABELS = {
	queued: 'Queued',
	extracting: 'Extracting text',
	embedding: 'Embedding',
	ready: 'Ready',
	failed: 'Failed'
} as const;

export type DocumentStatus = keyof typeof DOCUMENT_STATUS_LABELS;

/** The StatusBadge tone word of each status. */
export function documentBadge(status: DocumentStatus): string {
	return {
		queued: 'pending',
		extracting: 'active',
		embedding: 'active',
		ready: 'succeeded',
		failed: 'failed'
	}[status];
}

/** Uploads: PDF, Markdown, text and HTML (an .html file is stored as text and read as HTML). */
export const DOCUMENT_FILE_KINDS: readonly FileKind[] = ['pdf', 'markdown', 'txt'];
export const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;

/** What the in-process embedder is, in the page's words. */
export const LOCAL_EMBEDDER_NOTE =
	'Documents are embedded in-process by a lexical embedder (hashed words and word pairs, not a neural model): search matches shared words, not synonyms.';

/** OCR jobs (docs/rag.md, "OCR jobs"): what they read, their engines and their statuses. */
export const OCR_FILE_KINDS: readonly FileKind[] = ['png', 'jpeg', 'pdf'];
export const OCR_MAX_BYTES = 20 * 1024 * 1024;

/** The engines ocr_jobs.engine allows, in the page's words (the table's check lists the same). */
export const OCR_ENGINES = { tesseract: 'Tesseract (in-process, English)' } as const;
export type OcrEngine = keyof typeof OCR_ENGINES;

export const OCR_STATUS_LABELS = {
	queued: 'Queued',
	running: 'Running',
	succeeded: 'Done',
	failed: 'Failed',
	cancelled: 'Cancelled'
} as const;

export type OcrStatus = keyof typeof OCR_STATUS_LABELS;

export function ocrBadge(status: OcrStatus): string {
	return {
		queued: 'pending',
		running: 'active',
		succeeded: 'succeeded',
		failed: 'failed',
		cancelled: 'cancelled'
	}[status];
}
