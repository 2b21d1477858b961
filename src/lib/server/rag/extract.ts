/**
 * A document's text from its bytes: PDF through unpdf (PDF.js, text per page), HTML to Markdown-ish
 * text (headings kept as `#` lines so the chunker sees the structure; scripts, styles and tags
 * out), Markdown and plain text as they are.
 */
import { extractText, getDocumentProxy } from 'unpdf';

export type SourceFormat = 'pdf' | 'html' | 'markdown' | 'text';

export interface Extracted {
	text: string;
	format: SourceFormat;
	/** Offsets where pages 2, 3 … start (PDF), for the chunks' page numbers. */
	pageStarts?: number[];
	pageCount?: number;
}

/** A document whose bytes cannot be read: the reason is the sentence the documents page shows. */
export class ExtractionError extends Error {
	override name = 'ExtractionError';
}

const ENTITIES: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'",
	nbsp: ' '
};

function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
		if (name[0] === '#') {
			const code =
				name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : +name.slice(1);
			return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
		}
		return ENTITIES[name.toLowerCase()] ?? whole;
	});
}

export function htmlToText(html: string): string {
	const text = html
		.replace(/<!--[\s\S]*?-->/g, '')
		.replace(/<(script|style|noscript|template|head)\b[\s\S]*?<\/\1\s*>/gi, '')
		.replace(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi, (_m, level: string, inner: string) => {
			const title = inner
				.replace(/<[^>]*>/g, '')
				.replace(/\s+/g, ' ')
				.trim();
			return title ? `\n\n${'#'.repeat(+level)} ${title}\n\n` : '\n\n';
		})
		.replace(/<li\b[^>]*>/gi, '\n- ')
		.replace(/<br\s*\/?>/gi, '\n')
		.replace(
			/<\/?(p|div|section|article|main|header|footer|ul|ol|table|tr|blockquote|pre|h[1-6])\b[^>]*>/gi,
			'\n\n'
		)
		.replace(/<[^>]*>/g, '');
	return decodeEntities(text)
		.replace(/[ \t\f\v\r]+/g, ' ')
		.replace(/ *\n */g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

export function looksLikeHtml(text: string, fileName = ''): boolean {
	return /\.html?$/i.test(fileName) || /^\s*(<!doctype html|<html[\s>])/i.test(text.slice(0, 500));
}

export async function extractDocument(
	bytes: Uint8Array,
	contentType: string,
	fileName = ''
): Promise<Extracted> {
	if (contentType === 'application/pdf') {
		let pages: string[];
		try {
			const pdf = await getDocumentProxy(new Uint8Array(bytes));
			pages = (await extractText(pdf, { mergePages: false })).text;
		} catch (error) {
			throw new ExtractionError(`The PDF could not be read: ${(error as Error).message}`);
		}
		const pageStarts: number[] = [];
		let text = '';
		pages.forEach((page, i) => {
			if (i > 0) {
				text += '\n\n';
				pageStarts.push(text.length);
			}
			text += page.trim();
		});
		if (!text.trim()) {
			throw new ExtractionError('The PDF has no text layer (a scan?): run OCR on it instead.');
		}
		return { text, format: 'pdf', pageStarts, pageCount: pages.length };
	}
	const raw = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\r\n?/g, '\n');
	if (contentType === 'text/html' || looksLikeHtml(raw, fileName)) {
		return { text: htmlToText(raw), format: 'html' };
	}
	return { text: raw, format: contentType === 'text/markdown' ? 'markdown' : 'text' };
}
