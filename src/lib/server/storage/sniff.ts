/**
 * What a file is, from its first bytes — never from its name or the type the browser declared.
 * Each kind has one content type, the one it is stored and served with. Text kinds (txt, markdown,
 * csv) are valid UTF-8 without NUL bytes; which of them a text file is comes from its name, as
 * bytes cannot tell them apart. Office files are zip archives whose entries say which (docx, xlsx,
 * pptx); any other zip is a zip.
 */

import type { FileKind } from '../../storage/kinds';

export {
	CONTENT_TYPES,
	describeKinds,
	EXTENSIONS,
	FILE_KINDS,
	IMAGE_KINDS,
	KIND_LABELS,
	type FileKind
} from '../../storage/kinds';

const SIGNATURES: { kind: FileKind; bytes: number[] }[] = [
	{ kind: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
	{ kind: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
	{ kind: 'jpeg', bytes: [0xff, 0xd8, 0xff] },
	{ kind: 'gif', bytes: [0x47, 0x49, 0x46, 0x38, 0x37, 0x61] },
	{ kind: 'gif', bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61] }
];

const startsWith = (bytes: Uint8Array, signature: number[], at = 0) =>
	bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

function isWebp(bytes: Uint8Array): boolean {
	return startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBPVP8'), 8);
}

/** The zip's office kind from its entry names (docx: word/, xlsx: xl/, pptx: ppt/), else zip. */
function zipKind(bytes: Uint8Array): FileKind {
	const names = new TextDecoder('latin1').decode(
		bytes.subarray(0, Math.min(bytes.length, 1 << 20))
	);
	if (!names.includes('[Content_Types].xml')) return 'zip';
	if (names.includes('word/')) return 'docx';
	if (names.includes('xl/')) return 'xlsx';
	if (names.includes('ppt/')) return 'pptx';
	return 'zip';
}

function isText(bytes: Uint8Array): boolean {
	if (bytes.length === 0 || bytes.includes(0)) return false;
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(bytes);
		return true;
	} catch {
		return false;
	}
}

function textKind(fileName: string): FileKind {
	const name = fileName.toLowerCase();
	if (name.endsWith('.md') || name.endsWith('.markdown')) return 'markdown';
	if (name.endsWith('.csv')) return 'csv';
	return 'txt';
}

/**
 * The kind the bytes prove, or null when they are none of the known kinds (an SVG, an executable,
 * text with NUL bytes or invalid UTF-8). `fileName` only chooses among the text kinds.
 */
export function sniff(bytes: Uint8Array, fileName = ''): FileKind | null {
	const signed = SIGNATURES.find((s) => startsWith(bytes, s.bytes));
	if (signed) return signed.kind;
	if (isWebp(bytes)) return 'webp';
	if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return zipKind(bytes);
	if (isText(bytes)) return textKind(fileName);
	return null;
}

/**
 * The kind, if it is one of `accept`. Text is accepted as any text kind the list holds (a CSV
 * named .txt is still text), so a list of [txt] takes a .md file as txt.
 */
export function sniffAccepted(
	bytes: Uint8Array,
	fileName: string,
	accept: readonly FileKind[]
): FileKind | null {
	const kind = sniff(bytes, fileName);
	if (!kind) return null;
	if (accept.includes(kind)) return kind;
	const text: FileKind[] = ['txt', 'markdown', 'csv'];
	if (text.includes(kind)) return text.find((k) => accept.includes(k)) ?? null;
	return null;
}
