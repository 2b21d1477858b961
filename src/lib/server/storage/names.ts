/**
 * File names. What a person called a file is kept to show it (`displayName`): its last path
 * segment, without control characters, leading dots or spaces, at most 200 characters with its
 * extension kept. The storage object is named for the web (`objectName`): ASCII letters, digits,
 * dots, hyphens and underscores only, at most 120 characters, ending in the extension of the kind
 * its bytes proved — so `invoice.pdf.exe` that is really a PNG is stored as `invoice.pdf.png`.
 */
import { EXTENSIONS, type FileKind } from './sniff';

const DISPLAY_MAX = 200;
const OBJECT_MAX = 120;

function capKeepingExtension(name: string, max: number): string {
	const chars = [...name];
	if (chars.length <= max) return name;
	const dot = name.lastIndexOf('.');
	const ext = dot > 0 ? [...name.slice(dot)] : [];
	if (ext.length === 0 || ext.length > 16) return chars.slice(0, max).join('');
	return [...chars.slice(0, max - ext.length), ...ext].join('');
}

/** The name shown for an upload; `fallback` when nothing printable is left. */
export function displayName(raw: string, fallback = 'file'): string {
	const last = raw.split(/[/\\]/).pop() ?? '';
	const cleaned = last
		.replace(/[\t\n\r\f\v]+/g, ' ')
		// eslint-disable-next-line no-control-regex -- control characters are what is removed
		.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
		.replace(/\s+/g, ' ')
		.replace(/^[.\s]+/, '')
		.trim();
	return capKeepingExtension(cleaned || fallback, DISPLAY_MAX);
}

/** The storage object's last path segment for a file of `kind` shown as `name`. */
export function objectName(name: string, kind: FileKind): string {
	const ext = EXTENSIONS[kind];
	const dot = name.lastIndexOf('.');
	const stem = (dot > 0 && name.slice(dot + 1).toLowerCase() === ext ? name.slice(0, dot) : name)
		.normalize('NFKD')
		.replace(/\p{M}+/gu, '')
		.replace(/[^A-Za-z0-9._-]+/g, '-')
		.replace(/-{2,}/g, '-')
		.replace(/^[^A-Za-z0-9]+/, '')
		.replace(/[-.]+$/, '');
	const base = (stem || 'file').slice(0, OBJECT_MAX - ext.length - 1);
	return `${base}.${ext}`;
}
