/**
 * The kinds of file uploads may be (client-safe: the upload field's accept list and hint use it;
 * src/lib/server/storage/sniff.ts proves a file's kind from its bytes).
 */

export const FILE_KINDS = [
	'pdf',
	'png',
	'jpeg',
	'gif',
	'webp',
	'txt',
	'markdown',
	'csv',
	'zip',
	'docx',
	'xlsx',
	'pptx'
] as const;

export type FileKind = (typeof FILE_KINDS)[number];

export const CONTENT_TYPES: Record<FileKind, string> = {
	pdf: 'application/pdf',
	png: 'image/png',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	txt: 'text/plain',
	markdown: 'text/markdown',
	csv: 'text/csv',
	zip: 'application/zip',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
};

export const EXTENSIONS: Record<FileKind, string> = {
	pdf: 'pdf',
	png: 'png',
	jpeg: 'jpg',
	gif: 'gif',
	webp: 'webp',
	txt: 'txt',
	markdown: 'md',
	csv: 'csv',
	zip: 'zip',
	docx: 'docx',
	xlsx: 'xlsx',
	pptx: 'pptx'
};

/** Kinds a browser shows inline (served without `attachment`); everything else is downloaded. */
export const IMAGE_KINDS: readonly FileKind[] = ['png', 'jpeg', 'gif', 'webp'];

/** Words for an accept list, for refusals: "PDF, PNG or JPEG". */
export const KIND_LABELS: Record<FileKind, string> = {
	pdf: 'PDF',
	png: 'PNG',
	jpeg: 'JPEG',
	gif: 'GIF',
	webp: 'WebP',
	txt: 'text',
	markdown: 'Markdown',
	csv: 'CSV',
	zip: 'ZIP',
	docx: 'Word',
	xlsx: 'Excel',
	pptx: 'PowerPoint'
};

/** "PDF, PNG or JPEG". */
export function describeKinds(kinds: readonly FileKind[]): string {
	const labels = [...new Set(kinds.map((k) => KIND_LABELS[k]))];
	return labels.length <= 1
		? (labels[0] ?? '')
		: `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}`;
}

/** The upload field's `accept` attribute: the types and their extensions. */
export function acceptAttribute(kinds: readonly FileKind[]): string {
	const extra: Partial<Record<FileKind, string[]>> = { jpeg: ['.jpeg'], markdown: ['.markdown'] };
	return [
		...new Set(kinds.flatMap((k) => [CONTENT_TYPES[k], `.${EXTENSIONS[k]}`, ...(extra[k] ?? [])]))
	].join(',');
}
