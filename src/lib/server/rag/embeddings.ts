/**
 * Embeddings for RAG behind the AI gateway's signature (COMMON-S7's AI → RAG contract): the
 * in-process lexical embedder answers for its model key; other models are AI's gateway's, which
 * this part calls once AI's module is merged. Usage counts the embedder's tokens (words).
 */
import type { Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { embedLexical, LOCAL_DIMENSIONS, LOCAL_EMBEDDER, tokens } from './embedder';

export interface EmbedRequest {
	tenantId: string;
	modelId: string;
	input: string[];
}

export interface EmbedResult {
	vectors: number[][];
	dimensions: number;
	usage: { inputTokens: number };
}

export class UnknownEmbedder extends Error {
	constructor(modelId: string) {
		super(`No embedding model ${modelId} is available here; documents use ${LOCAL_EMBEDDER}.`);
		this.name = 'UnknownEmbedder';
	}
}

export async function embedTexts(
	_trx: Transaction<DB> | null,
	_config: Config | null,
	{ modelId, input }: EmbedRequest
): Promise<EmbedResult> {
	if (modelId !== LOCAL_EMBEDDER) throw new UnknownEmbedder(modelId);
	return {
		vectors: input.map((text) => embedLexical(text)),
		dimensions: LOCAL_DIMENSIONS,
		usage: { inputTokens: input.reduce((n, text) => n + tokens(text).length, 0) }
	};
}
