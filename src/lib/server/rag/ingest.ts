/**
 * The rag.ingest job: a document's text extracted (its upload, its URL, or its body), cut into
 * chunks (chunker.ts), embedded (embeddings.ts) and written with its status — queued → extracting
 * → embedding → ready, or failed with the reason. A document whose bytes cannot be read fails at
 * once (no retry mends it); anything else is retried on the queue's schedule and fails with the
 * last error when the attempts run out. Idempotent: a run replaces the document's chunks.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { PermanentJobError, type JobContext } from '../queue/registry';
import { storageAdapter } from '../storage/service';
import { chunkText } from './chunker';
import { vectorLiteral } from './embedder';
import { embedTexts } from './embeddings';
import { extractDocument, ExtractionError, type Extracted } from './extract';
import { fetchDocument } from './fetch-url';

const INSERT_BATCH = 200;

type Status = 'extracting' | 'embedding' | 'ready' | 'failed';

async function setStatus(
	trx: Transaction<DB>,
	documentId: string,
	status: Status,
	extra: Partial<{
		failure_reason: string | null;
		content_type: string | null;
		char_count: number;
		page_count: number | null;
		chunk_count: number;
		indexed_at: string;
	}> = {}
) {
	await trx
		.updateTable('rag_documents')
		.set({ status, updated_at: new Date().toISOString(), ...extra })
		.where('id', '=', documentId)
		.execute();
}

async function sourceOf(
	trx: Transaction<DB>,
	config: Config,
	doc: {
		id: string;
		tenant_id: string;
		source: string;
		source_url: string | null;
		body: string | null;
	},
	signal?: AbortSignal
): Promise<Extracted & { contentType: string }> {
	if (doc.source === 'text') {
		return {
			...(await extractDocument(new TextEncoder().encode(doc.body ?? ''), 'text/markdown')),
			contentType: 'text/markdown'
		};
	}
	if (doc.source === 'url') {
		const fetched = await fetchDocument(doc.source_url!, {
			allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
			signal
		});
		return {
			...(await extractDocument(
				fetched.bytes,
				fetched.contentType,
				new URL(fetched.finalUrl).pathname
			)),
			contentType: fetched.contentType
		};
	}
	const file = await trx
		.selectFrom('attachments')
		.select(['bucket', 'object_path', 'content_type', 'file_name'])
		.where('tenant_id', '=', doc.tenant_id)
		.where('owner_type', '=', 'rag_document')
		.where('owner_id', '=', doc.id)
		.orderBy('created_at', 'desc')
		.executeTakeFirst();
	if (!file) throw new ExtractionError('The uploaded file is missing.');
	const bytes = await storageAdapter(config).get(file.bucket, file.object_path);
	if (!bytes) throw new ExtractionError('The uploaded file is missing from storage.');
	return {
		...(await extractDocument(bytes, file.content_type, file.file_name)),
		contentType: file.content_type
	};
}

/** Runs one document's ingestion; the job handler and the tests call it. */
export async function ingestDocument(
	db: Kysely<DB>,
	config: Config,
	documentId: string,
	ctx: Pick<JobContext, 'asSystem'> & { signal?: AbortSignal; final?: boolean }
): Promise<{ chunks: number } | { gone: true }> {
	const doc = await ctx.asSystem('rag.ingest', async (trx) => {
		const row = await trx
			.selectFrom('rag_documents')
			.select(['id', 'tenant_id', 'source', 'source_url', 'body', 'embedder', 'dimensions'])
			.where('id', '=', documentId)
			.executeTakeFirst();
		if (row) await setStatus(trx, documentId, 'extracting', { failure_reason: null });
		return row;
	});
	if (!doc) return { gone: true };
	try {
		const extracted = await ctx.asSystem('rag.ingest', (trx) =>
			sourceOf(trx, config, doc, ctx.signal)
		);
		const chunks = chunkText(extracted.text, { pageStarts: extracted.pageStarts });
		if (chunks.length === 0) throw new ExtractionError('The document has no text.');
		await ctx.asSystem('rag.ingest', (trx) => setStatus(trx, documentId, 'embedding'));
		const embedded = await embedTexts(null, config, {
			tenantId: doc.tenant_id,
			modelId: doc.embedder,
			input: chunks.map((c) => (c.heading ? `${c.heading}\n${c.content}` : c.content))
		});
		if (embedded.dimensions !== doc.dimensions) {
			throw new ExtractionError(
				`The model ${doc.embedder} gives ${embedded.dimensions} dimensions, the document ${doc.dimensions}.`
			);
		}
		await ctx.asSystem('rag.ingest', async (trx) => {
			await trx
				.deleteFrom('rag_chunks')
				.where('tenant_id', '=', doc.tenant_id)
				.where('document_id', '=', doc.id)
				.execute();
			for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
				await trx
					.insertInto('rag_chunks')
					.values(
						chunks.slice(i, i + INSERT_BATCH).map((c, j) => ({
							tenant_id: doc.tenant_id,
							document_id: doc.id,
							seq: c.seq,
							heading: c.heading.slice(0, 500),
							content: c.content.slice(0, 8000),
							page: c.page,
							char_start: c.charStart,
							char_end: c.charEnd,
							dimensions: embedded.dimensions,
							embedding: sql<string>`${vectorLiteral(embedded.vectors[i + j]!)}::extensions.vector`
						}))
					)
					.execute();
			}
			await setStatus(trx, documentId, 'ready', {
				content_type: extracted.contentType,
				char_count: extracted.text.length,
				page_count: extracted.pageCount ?? null,
				chunk_count: chunks.length,
				indexed_at: new Date().toISOString()
			});
		});
		return { chunks: chunks.length };
	} catch (error) {
		const permanent = error instanceof ExtractionError;
		if (permanent || ctx.final) {
			await ctx.asSystem('rag.ingest', (trx) =>
				setStatus(trx, documentId, 'failed', {
					failure_reason: (error as Error).message.slice(0, 1000)
				})
			);
		}
		if (permanent) throw new PermanentJobError((error as Error).message);
		throw error;
	}
}
