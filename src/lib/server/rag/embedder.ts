/**
 * The offline, in-process embedder: a **lexical** embedder (feature hashing), not a neural model.
 * No npm package ships a small embedding model's weights usable offline (transformers.js and
 * fastembed download theirs from a model hub at run time, which this project cannot reach), so
 * the embedded default hashes each text's words and word pairs (signed, FNV-1a) into 384
 * dimensions with sublinear term frequency and L2 normalisation. Texts sharing words are near
 * in cosine; synonyms are not. The docs and the documents page name it as lexical. A provider's
 * embedding model (AI's gateway) replaces it per document (rag_documents.embedder).
 */

export const LOCAL_EMBEDDER = 'local/lexical-hash-384';
export const LOCAL_DIMENSIONS = 384;

const STOP = new Set(
	'a an and are as at be by for from has have in is it its of on or that the this to was were will with'.split(
		' '
	)
);

/** Lower-cased words of letters and digits (Unicode), a crude plural/suffix trim, stop words out. */
export function tokens(text: string): string[] {
	const words =
		text
			.toLowerCase()
			.normalize('NFKC')
			.match(/[\p{L}\p{N}]+/gu) ?? [];
	const out: string[] = [];
	for (const word of words) {
		if (STOP.has(word) || word.length > 40) continue;
		out.push(stem(word));
	}
	return out;
}

function stem(word: string): string {
	if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
	if (word.length > 4 && word.endsWith('ies')) return word.slice(0, -3) + 'y';
	if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
	if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
	return word;
}

function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** One text's vector: unit length, or all zeros but the first component for a text without words. */
export function embedLexical(text: string, dimensions = LOCAL_DIMENSIONS): number[] {
	const counts = new Map<string, number>();
	const words = tokens(text);
	words.forEach((word, i) => {
		counts.set(word, (counts.get(word) ?? 0) + 1);
		if (i > 0) {
			const pair = `${words[i - 1]} ${word}`;
			counts.set(pair, (counts.get(pair) ?? 0) + 0.5);
		}
	});
	const vector = new Array<number>(dimensions).fill(0);
	for (const [feature, count] of counts) {
		const hash = fnv1a(feature);
		const sign = hash & 0x80000000 ? -1 : 1;
		vector[hash % dimensions]! += sign * (1 + Math.log(count));
	}
	const norm = Math.hypot(...vector);
	if (norm === 0) {
		vector[0] = 1;
		return vector;
	}
	return vector.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

/** pgvector's text form of a vector. */
export function vectorLiteral(vector: number[]): string {
	return `[${vector.join(',')}]`;
}
