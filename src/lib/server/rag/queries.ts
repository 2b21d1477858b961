/**
 * Documents, their chunks, search and OCR jobs in the caller's request transaction. Reads are RLS
 * (ai.use or documents.manage in the tenant); writes are the person's own inserts (documents.manage,
 * the policies decide) and the RPCs of supabase/migrations/20261205000600_rag.sql; status, chunks
 * and OCR results are written only by the jobs. Search embeds the query in-process and asks
 * public.search_documents, which sees the caller's tenant only.
 */
import { sql, type Transaction } from 'kysely';
import { DOCUMENT_FILE_KINDS, DOCUMENT_MAX_BYTES } from '../../rag/options';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { storeUpload } from '../storage/service';
import { defineList, listPage, type ListPage, type ListParams } from '../platform/list';
import { LOCAL_EMBEDDER, vectorLiteral } from './embedder';
import { embedTexts } from './embeddings';

export type DocumentStatus = 'queued' | 'extracting' | 'embedding' | 'ready' | 'failed';
export type DocumentSource = 'upload' | 'url' | 'text';

export interface DocumentRow {
	id: string;
	title: string;
	source: DocumentSource;
	sourceUrl: string | null;
	status: DocumentStatus;
	failureReason: string | null;
	embedder: string;
	chunkCount: number;
	pageCount: number | null;
	createdAt: string;
	updatedAt: string;
}

export const DOCUMENT_LIST = defineList({
	sorts: {
		title: { column: 'title', type: 'text' },
		status: { column: 'status', type: 'text' },
		chunks: { column: 'chunkCount', type: 'integer' },
		updated: { column: 'updatedAt', type: 'timestamptz' }
	},
	defaultSort: 'updated',
	defaultDir: 'desc',
	search: ['title', 'sourceUrl'],
	id: { column: 'id', type: 'uuid' }
});

function documentsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('rag_documents as d')
		.where('d.tenant_id', '=', tenantId)
		.select([
			'd.id',
			'd.title',
			sql<DocumentSource>`d.source`.as('source'),
			'd.source_url as sourceUrl',
			sql<DocumentStatus>`d.status`.as('status'),
			'd.failure_reason as failureReason',
			'd.embedder',
			'd.chunk_count as chunkCount',
			'd.page_count as pageCount',
			sql<string>`d.created_at`.as('createdAt'),
			sql<string>`d.updated_at`.as('updatedAt')
		]);
}

export function pageDocuments(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<DocumentRow>> {
	return listPage(trx, documentsOf(trx, tenantId), DOCUMENT_LIST, params) as Promise<
		ListPage<DocumentRow>
	>;
}

export async function listDocuments(
	trx: Transaction<DB>,
	tenantId: string
): Promise<DocumentRow[]> {
	return (await documentsOf(trx, tenantId)
		.orderBy('d.created_at', 'desc')
		.orderBy('d.id')
		.execute()) as DocumentRow[];
}

export async function findDocument(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<DocumentRow | undefined> {
	return (await documentsOf(trx, tenantId).where('d.id', '=', id).executeTakeFirst()) as
		DocumentRow | undefined;
}

/** Adds a document (queued for ingestion by its trigger); RLS refuses without documents.manage. */
export async function createDocument(
	trx: Transaction<DB>,
	tenantId: string,
	input: { title: string; source: DocumentSource; sourceUrl?: string | null; body?: string | null }
): Promise<string> {
	const row = await trx
		.insertInto('rag_documents')
		.values({
			tenant_id: tenantId,
			title: input.title,
			source: input.source,
			source_url: input.source === 'url' ? (input.sourceUrl ?? null) : null,
			body: input.source === 'text' ? (input.body ?? null) : null,
			embedder: LOCAL_EMBEDDER,
			dimensions: 384
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

/** Renames a document; false when RLS hid it. */
export async function renameDocument(
	trx: Transaction<DB>,
	tenantId: string,
	id: string,
	title: string
): Promise<boolean> {
	const r = await trx
		.updateTable('rag_documents')
		.set({ title })
		.where('tenant_id', '=', tenantId)
		.where('id', '=', id)
		.executeTakeFirst();
	return Number(r.numUpdatedRows) > 0;
}

/** Deletes a document with its chunks and file; false when RLS hid it. */
export async function deleteDocument(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<boolean> {
	const r = await trx
		.deleteFrom('rag_documents')
		.where('tenant_id', '=', tenantId)
		.where('id', '=', id)
		.executeTakeFirst();
	return Number(r.numDeletedRows) > 0;
}

export async function reindexDocument(trx: Transaction<DB>, id: string): Promise<void> {
	await sql`select public.reindex_document(${id}::uuid)`.execute(trx);
}

export interface DocumentChunk {
	seq: number;
	heading: string;
	content: string;
	page: number | null;
}

export async function listChunks(
	trx: Transaction<DB>,
	tenantId: string,
	documentId: string,
	limit = 200
): Promise<DocumentChunk[]> {
	return trx
		.selectFrom('rag_chunks')
		.select(['seq', 'heading', 'content', 'page'])
		.where('tenant_id', '=', tenantId)
		.where('document_id', '=', documentId)
		.orderBy('seq')
		.limit(limit)
		.execute();
}

export interface SearchHit {
	documentId: string;
	title: string;
	seq: number;
	heading: string;
	page: number | null;
	content: string;
	score: number;
	vectorRank: number | null;
	textRank: number | null;
}

/** The tenant's chunks for a query, hybrid (vector and full text), best first, each citable. */
export async function searchDocuments(
	trx: Transaction<DB>,
	tenantId: string,
	query: string,
	k = 8
): Promise<SearchHit[]> {
	const { vectors } = await embedTexts(trx, null, {
		tenantId,
		modelId: LOCAL_EMBEDDER,
		input: [query]
	});
	const { rows } = await sql<{
		document_id: string;
		title: string;
		seq: number;
		heading: string;
		page: number | null;
		content: string;
		score: number;
		vector_rank: number | null;
		text_rank: number | null;
	}>`select document_id, title, seq, heading, page, content, score, vector_rank, text_rank
		from public.search_documents(${tenantId}::uuid, ${query},
			${vectorLiteral(vectors[0]!)}::extensions.vector, ${k}::integer)`.execute(trx);
	return rows.map((r) => ({
		documentId: r.document_id,
		title: r.title,
		seq: r.seq,
		heading: r.heading,
		page: r.page,
		content: r.content,
		score: Number(r.score),
		vectorRank: r.vector_rank,
		textRank: r.text_rank
	}));
}

export type OcrStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface OcrJobRow {
	id: string;
	title: string;
	status: OcrStatus;
	feedRag: boolean;
	pageCount: number | null;
	pagesDone: number;
	confidence: number | null;
	error: string | null;
	documentId: string | null;
	createdAt: string;
}

/** Adds an OCR job (its ocr.recognize job is queued by its trigger); RLS: documents.manage. */
export async function createOcrJob(
	trx: Transaction<DB>,
	tenantId: string,
	input: { title: string; feedRag: boolean }
): Promise<string> {
	const row = await trx
		.insertInto('ocr_jobs')
		.values({ tenant_id: tenantId, title: input.title, feed_rag: input.feedRag })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

export async function listOcrJobs(
	trx: Transaction<DB>,
	tenantId: string,
	limit = 20
): Promise<OcrJobRow[]> {
	const rows = await trx
		.selectFrom('ocr_jobs')
		.where('tenant_id', '=', tenantId)
		.select([
			'id',
			'title',
			sql<OcrStatus>`status`.as('status'),
			'feed_rag as feedRag',
			'page_count as pageCount',
			'pages_done as pagesDone',
			'confidence',
			'error',
			'document_id as documentId',
			sql<string>`created_at`.as('createdAt')
		])
		.orderBy('created_at', 'desc')
		.orderBy('id')
		.limit(limit)
		.execute();
	return rows.map((r) => ({
		...r,
		confidence: r.confidence === null ? null : Number(r.confidence)
	}));
}

export async function listOcrPages(
	trx: Transaction<DB>,
	tenantId: string,
	ocrJobId: string
): Promise<{ page: number; text: string; confidence: number }[]> {
	const rows = await trx
		.selectFrom('ocr_pages')
		.select(['page', 'text', 'confidence'])
		.where('tenant_id', '=', tenantId)
		.where('ocr_job_id', '=', ocrJobId)
		.orderBy('page')
		.execute();
	return rows.map((r) => ({ ...r, confidence: Number(r.confidence) }));
}

export async function cancelOcrJob(trx: Transaction<DB>, id: string): Promise<void> {
	await sql`select public.cancel_ocr_job(${id}::uuid)`.execute(trx);
}

/**
 * Adds a document from an uploaded file (PDF, Markdown, text, HTML): the row, queued, and its file
 * as its attachment; UploadRefused (nothing written) for a file of another kind or too large.
 */
export async function uploadDocument(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	file: File,
	title?: string
): Promise<string> {
	const id = await createDocument(trx, tenantId, {
		title: (title?.trim() || file.name).slice(0, 200) || 'Document',
		source: 'upload'
	});
	await storeUpload(trx, config, {
		bucket: 'rag-files',
		tenantId,
		ownerType: 'rag_document',
		ownerId: id,
		file,
		accept: DOCUMENT_FILE_KINDS,
		maxBytes: DOCUMENT_MAX_BYTES
	});
	return id;
}
