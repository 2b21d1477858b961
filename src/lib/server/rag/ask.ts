/**
 * Answers with citations (docs/rag.md, "Asking"): the question's best passages from
 * search_documents (the caller's tenant's only), given to a chat model through the AI gateway's
 * runPrompt with the tenant's `rag.ask` prompt template — so the run is recorded with its cost,
 * the budget and the plan's ai_tokens apply, and the passages and the question reach the model
 * only inside the template's data blocks, fenced by a boundary made for the run (ai/template.ts).
 * The answer's [n] marks are mapped back to the passages they cite. Without a chat model the
 * tenant may call, the answer is the best passages themselves, cited.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { runPrompt, type AiConfig } from '../ai/gateway';
import { searchDocuments, type SearchHit } from './queries';

export const ASK_TEMPLATE = 'rag.ask';

export function citationLabel(hit: Pick<SearchHit, 'title' | 'page' | 'heading' | 'seq'>): string {
	const where = [hit.page ? `page ${hit.page}` : null, hit.heading || null, `part ${hit.seq + 1}`]
		.filter(Boolean)
		.join(', ');
	return `${hit.title} (${where})`;
}

/** The template's `sources` value: each passage numbered, with its citation, then its text. */
export function sourcesText(hits: SearchHit[]): string {
	return hits.map((hit, i) => `[${i + 1}] ${citationLabel(hit)}\n${hit.content}`).join('\n\n');
}

export interface Citation {
	n: number;
	label: string;
	documentId: string;
	seq: number;
}

export interface Answer {
	text: string;
	/** How the answer was made: a chat model's, or the best passages themselves. */
	mode: 'model' | 'passages';
	citations: Citation[];
	/** The model's run (mode model): its id and cost in USD. */
	runId?: string;
	costUsd?: string;
}

function citation(hit: SearchHit, n: number): Citation {
	return { n, label: citationLabel(hit), documentId: hit.documentId, seq: hit.seq };
}

/** The passages an answer cites by [n] (or [n, m]), in order of first mention; unknown numbers are left out. */
export function citedIn(text: string, hits: SearchHit[]): Citation[] {
	const seen = new Set<number>();
	for (const group of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g))
		for (const n of group[1]!.split(',').map((s) => Number(s.trim())))
			if (n >= 1 && n <= hits.length) seen.add(n);
	return [...seen].map((n) => citation(hits[n - 1]!, n));
}

/** The answer without a chat model: the best passages, each cited. */
export function passagesAnswer(hits: SearchHit[], limit = 3): Answer {
	const top = hits.slice(0, limit);
	return {
		mode: 'passages',
		text: top.length
			? top.map((hit, i) => `${hit.content} [${i + 1}]`).join('\n\n')
			: 'No document of this organisation answers that.',
		citations: top.map((hit, i) => citation(hit, i + 1))
	};
}

export interface AskInput {
	tenantId: string;
	question: string;
	/** Passages given to the model (default 6). */
	k?: number;
	signal?: AbortSignal;
	onDelta?: (text: string) => void;
}

/**
 * Answers `question` from the tenant's documents in the caller's transaction. Refusals pass
 * through: TN563 (no ai.use), the gateway's TN552 (budget) and TN553 (plan), an AiError for a
 * provider's failure (its run recorded).
 */
export async function askDocuments(
	trx: Transaction<DB>,
	config: AiConfig,
	input: AskInput
): Promise<Answer & { hits: SearchHit[] }> {
	const {
		rows: [plan]
	} = await sql<{
		template_key: string;
		version: number;
		model_id: string | null;
	}>`select * from public.prepare_ask(${input.tenantId}::uuid)`.execute(trx);
	const hits = await searchDocuments(trx, input.tenantId, input.question, input.k ?? 6);
	if (!plan?.model_id || hits.length === 0) return { ...passagesAnswer(hits), hits };
	const out = await runPrompt(trx, config, {
		tenantId: input.tenantId,
		templateKey: plan.template_key,
		version: plan.version,
		modelId: plan.model_id,
		variables: { question: input.question, sources: sourcesText(hits) },
		signal: input.signal,
		onDelta: input.onDelta
	});
	return {
		mode: 'model',
		text: out.text,
		citations: citedIn(out.text, hits),
		runId: out.runId,
		costUsd: out.costUsd,
		hits
	};
}
