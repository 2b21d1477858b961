/**
 * Structure-aware chunking with overlap. The text is cut at its structure first — Markdown
 * headings (# …), then blank-line paragraphs, then sentences for a paragraph longer than a chunk
 * — and the pieces are packed into chunks of at most `maxChars`; a heading always starts a new
 * chunk, and each chunk of a section begins with the end of the previous one (whole sentences,
 * about `overlapChars`) so a sentence cut by a boundary is whole in one of them. Each chunk keeps
 * its section's heading path, its characters' span in the text and, for paged text, its page.
 */

export interface Chunk {
	seq: number;
	heading: string;
	content: string;
	charStart: number;
	charEnd: number;
	page: number | null;
}

export interface ChunkOptions {
	maxChars?: number;
	overlapChars?: number;
	/** Offsets where pages 2, 3 … start (text extracted from a PDF). */
	pageStarts?: number[];
}

interface Piece {
	text: string;
	start: number;
	end: number;
	heading: string;
	/** A heading line: starts a chunk and is not content of its own. */
	isHeading: boolean;
	/** The previous chunk's end, carried as this one's overlap. */
	carried?: boolean;
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;

function sentences(text: string, start: number, max: number): { text: string; start: number }[] {
	const out: { text: string; start: number }[] = [];
	const re = /[^.!?\n]+(?:[.!?]+|\n|$)\s*/g;
	let m: RegExpExecArray | null;
	while ((m = re.exec(text)) && m[0].length > 0) {
		let part = m[0];
		let offset = m.index;
		// A "sentence" longer than a chunk (a table row, a URL list) is cut at a space or hard.
		while (part.length > max) {
			const cut = part.lastIndexOf(' ', max) > max / 2 ? part.lastIndexOf(' ', max) + 1 : max;
			out.push({ text: part.slice(0, cut), start: start + offset });
			part = part.slice(cut);
			offset += cut;
		}
		out.push({ text: part, start: start + offset });
	}
	return out;
}

function pieces(text: string, max: number): Piece[] {
	const out: Piece[] = [];
	const path: string[] = [];
	const blocks = /[^\n]+(?:\n(?!\s*\n)[^\n]*)*/g;
	let m: RegExpExecArray | null;
	while ((m = blocks.exec(text))) {
		const block = m[0];
		if (!block.trim()) continue;
		const firstLine = block.split('\n')[0] ?? '';
		const heading = HEADING.exec(firstLine);
		if (heading) {
			const level = heading[1]!.length;
			path.length = Math.min(path.length, level - 1);
			path[level - 1] = heading[2]!;
			out.push({
				text: firstLine,
				start: m.index,
				end: m.index + firstLine.length,
				heading: path.filter(Boolean).join(' › '),
				isHeading: true
			});
			const rest = block.slice(block.indexOf('\n') + 1);
			if (block.includes('\n') && rest.trim()) {
				const restStart = m.index + block.indexOf('\n') + 1;
				pushBlock(out, rest, restStart, max, path.filter(Boolean).join(' › '));
			}
			continue;
		}
		pushBlock(out, block, m.index, max, path.filter(Boolean).join(' › '));
	}
	return out;
}

function pushBlock(out: Piece[], block: string, start: number, max: number, heading: string) {
	if (block.length <= max) {
		out.push({ text: block, start, end: start + block.length, heading, isHeading: false });
		return;
	}
	for (const s of sentences(block, start, max)) {
		out.push({
			text: s.text,
			start: s.start,
			end: s.start + s.text.length,
			heading,
			isHeading: false
		});
	}
}

function pageOf(offset: number, pageStarts: number[] | undefined): number | null {
	if (!pageStarts) return null;
	let page = 1;
	for (const start of pageStarts) if (offset >= start) page++;
	return page;
}

export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
	const max = options.maxChars ?? 1000;
	const overlap = options.overlapChars ?? 150;
	const chunks: Chunk[] = [];
	let current: Piece[] = [];
	let heading = '';

	const flush = () => {
		const body = current.filter((p) => !p.isHeading);
		if (body.every((p) => p.carried)) {
			current = [];
			return;
		}
		const start = body[0]!.start;
		const end = body[body.length - 1]!.end;
		const content = text.slice(start, end).trim();
		if (content) {
			chunks.push({
				seq: chunks.length,
				heading,
				content,
				charStart: start,
				charEnd: end,
				page: pageOf(start, options.pageStarts)
			});
		}
		// The overlap: the last sentences of this chunk, about `overlap` characters.
		const tail = sentences(text.slice(start, end), start, max);
		const carried: Piece[] = [];
		let size = 0;
		for (let i = tail.length - 1; i > 0 && size + tail[i]!.text.length <= overlap; i--) {
			const sentence = tail[i]!;
			size += sentence.text.length;
			carried.unshift({
				text: sentence.text,
				start: sentence.start,
				end: sentence.start + sentence.text.length,
				heading,
				isHeading: false,
				carried: true
			});
		}
		current = carried;
	};

	for (const piece of pieces(text, max)) {
		if (piece.isHeading) {
			flush();
			current = [];
			heading = piece.heading;
			continue;
		}
		const first = current[0];
		// A page boundary is structure too: a chunk cites one page.
		if (
			first &&
			pageOf(piece.start, options.pageStarts) !== pageOf(first.start, options.pageStarts)
		) {
			flush();
			current = [];
		}
		if (first && current.some((p) => !p.carried) && piece.end - first.start > max) flush();
		const head = current[0];
		if (head && piece.end - head.start > max) current = [];
		current.push(piece);
	}
	flush();
	return chunks;
}
