/**
 * In-process models (provider `local`): an embedder registered here by the module that ships it
 * (RAG) under its model key, so `embedTexts` dispatches to it like to any provider. Registered at
 * import time; the model row itself is in `public.llm_models` (provider `local`).
 */
export interface LocalEmbedder {
	embed(
		input: string[],
		signal?: AbortSignal
	): Promise<{ vectors: number[][]; inputTokens: number }>;
}

export interface LocalChatModel {
	complete(
		messages: { role: string; content: string }[],
		options: { maxTokens: number; onDelta?: (text: string) => void; signal?: AbortSignal }
	): Promise<{ text: string; inputTokens: number; outputTokens: number; finishReason: string }>;
}

const embedders = new Map<string, LocalEmbedder>();
const chatModels = new Map<string, LocalChatModel>();

/** Registers the in-process embedder of model `key` (provider local). */
export function registerLocalEmbedder(key: string, embedder: LocalEmbedder): void {
	embedders.set(key, embedder);
}

/** Registers an in-process chat model of model `key` (provider local). */
export function registerLocalChatModel(key: string, model: LocalChatModel): void {
	chatModels.set(key, model);
}

export function localEmbedder(key: string): LocalEmbedder | undefined {
	return embedders.get(key);
}

export function localChatModel(key: string): LocalChatModel | undefined {
	return chatModels.get(key);
}
