/**
 * Documents, their chunks, search and OCR jobs in the caller's request transaction. Reads are RLS
 * (ai.use or documents.manage in the tenant); writes are the person's own inserts (documents.manage,
 * the policies decide) and the RPCs of supabase/migrations/20261205000600_rag.sql; status, chunks
 * and OCR results are written only by the jobs. Search embeds the query in-process and asks
 * public.search_documents, which sees the caller's tenant only.
 */
import { sql, type Transaction } from 'kysely';
import {
	DOCUMENT_FILE_KINDS,
	DOCUMENT_MAX_BYTES,
	OCR_FILE_KINDS,
	OCR_MAX_BYTES,
	type OcrEngine,
	type OcrStatus
} from '../../rag/options';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { storageAdapter, storeUpload } from '../storage/service';
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

export type { OcrStatus };

export interface OcrJobRow {
	id: string;
	title: string;
	engine: OcrEngine;
	language: string;
	status: OcrStatus;
	feedRag: boolean;
	pageCount: number | null;
	pagesDone: number;
	confidence: number | null;
	error: string | null;
	documentId: string | null;
	createdAt: string;
	finishedAt: string | null;
}

/** An OCR job's list row: the job and the first 20,000 characters of its text (the pages joined). */
export interface OcrJobListRow extends OcrJobRow {
	text: string | null;
}

/** The OCR jobs list (the documents page's second table, URL parameters prefixed `ocr`). */
export const OCR_LIST = defineList({
	prefix: 'ocr',
	sorts: {
		title: { column: 'title', type: 'text' },
		status: { column: 'status', type: 'text' },
		confidence: { column: 'confidence', type: 'numeric' },
		created: { column: 'createdAt', type: 'timestamptz' }
	},
	defaultSort: 'created',
	defaultDir: 'desc',
	search: ['title', 'status', 'error'],
	id: { column: 'id', type: 'uuid' },
	limit: 10
});

function ocrJobsOf(trx: Transaction<DB>, tenantId: string) {
	return trx
		.selectFrom('ocr_jobs as o')
		.where('o.tenant_id', '=', tenantId)
		.select([
			'o.id',
			'o.title',
			sql<OcrEngine>`o.engine`.as('engine'),
			'o.language',
			sql<OcrStatus>`o.status`.as('status'),
			'o.feed_rag as feedRag',
			'o.page_count as pageCount',
			'o.pages_done as pagesDone',
			sql<number | null>`o.confidence::float8`.as('confidence'),
			'o.error',
			'o.document_id as documentId',
			sql<string>`o.created_at`.as('createdAt'),
			sql<string | null>`o.finished_at`.as('finishedAt')
		]);
}

/** A page of the tenant's OCR jobs with their text so far (RLS: ai.use or documents.manage). */
export async function pageOcrJobs(
	trx: Transaction<DB>,
	tenantId: string,
	params: ListParams
): Promise<ListPage<OcrJobListRow>> {
	const query = ocrJobsOf(trx, tenantId).select(
		sql<string | null>`(select left(string_agg(p.text, E'\n\n' order by p.page), 20000)
			from public.ocr_pages p where p.tenant_id = o.tenant_id and p.ocr_job_id = o.id)`.as('text')
	);
	return listPage(trx, query, OCR_LIST, params) as Promise<ListPage<OcrJobListRow>>;
}

/** The tenant's OCR jobs, newest first, filtered by status and creation time (the API's list). */
export async function listOcrJobs(
	trx: Transaction<DB>,
	tenantId: string,
	filter: { status?: OcrStatus; since?: string; until?: string; limit?: number } = {}
): Promise<OcrJobRow[]> {
	let query = ocrJobsOf(trx, tenantId);
	if (filter.status) query = query.where('o.status', '=', filter.status);
	if (filter.since) query = query.where(sql<boolean>`o.created_at >= ${filter.since}::timestamptz`);
	if (filter.until) query = query.where(sql<boolean>`o.created_at < ${filter.until}::timestamptz`);
	return (await query
		.orderBy('o.created_at', 'desc')
		.orderBy('o.id')
		.limit(filter.limit ?? 20)
		.execute()) as OcrJobRow[];
}

export async function findOcrJob(
	trx: Transaction<DB>,
	tenantId: string,
	id: string
): Promise<OcrJobRow | undefined> {
	return (await ocrJobsOf(trx, tenantId).where('o.id', '=', id).executeTakeFirst()) as
		OcrJobRow | undefined;
}

/** Adds an OCR job (its ocr.recognize job is queued by its trigger); RLS: documents.manage. */
export async function createOcrJob(
	trx: Transaction<DB>,
	tenantId: string,
	input: { title: string; feedRag: boolean; engine?: OcrEngine }
): Promise<string> {
	const row = await trx
		.insertInto('ocr_jobs')
		.values({
			tenant_id: tenantId,
			title: input.title,
			feed_rag: input.feedRag,
			engine: input.engine ?? 'tesseract'
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

/**
 * Adds an OCR job for a file (PNG, JPEG or a scanned PDF): the job, queued, and the file as its
 * attachment, in the caller's transaction; UploadRefused (nothing written) for another kind or
 * a file over 20 MB.
 */
export async function createOcrJobFromFile(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	file: File,
	input: { title?: string; feedRag: boolean; engine?: OcrEngine }
): Promise<string> {
	const id = await createOcrJob(trx, tenantId, {
		title: (input.title?.trim() || file.name).slice(0, 200) || 'Scan',
		feedRag: input.feedRag,
		engine: input.engine
	});
	await storeUpload(trx, config, {
		bucket: 'rag-files',
		tenantId,
		ownerType: 'ocr_job',
		ownerId: id,
		file,
		accept: OCR_FILE_KINDS,
		maxBytes: OCR_MAX_BYTES
	});
	return id;
}

/** The newest attachment of an owner the caller may read (RLS), with its bytes from storage. */
async function attachmentFile(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	ownerType: 'ocr_job' | 'rag_document',
	ownerId: string
): Promise<File | null> {
	const row = await trx
		.selectFrom('attachments')
		.select(['bucket', 'object_path', 'file_name', 'content_type'])
		.where('tenant_id', '=', tenantId)
		.where('owner_type', '=', ownerType)
		.where('owner_id', '=', ownerId)
		.orderBy('created_at', 'desc')
		.executeTakeFirst();
	if (!row) return null;
	const bytes = await storageAdapter(config).get(row.bucket, row.object_path);
	return bytes
		? new File([new Uint8Array(bytes)], row.file_name, { type: row.content_type })
		: null;
}

/**
 * Adds an OCR job reading an uploaded document's file (a scanned PDF); null when the caller
 * cannot see the document or it has no file. Titled as the document unless a title is given.
 */
export async function createOcrJobFromDocument(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	documentId: string,
	input: { title?: string; feedRag: boolean; engine?: OcrEngine }
): Promise<string | null> {
	const doc = await findDocument(trx, tenantId, documentId);
	if (!doc) return null;
	const file = await attachmentFile(trx, config, tenantId, 'rag_document', documentId);
	if (!file) return null;
	return createOcrJobFromFile(trx, config, tenantId, file, {
		...input,
		title: input.title ?? doc.title
	});
}

/**
 * Retries a failed or cancelled OCR job: a new job (same title, engine and feed_rag) reading the
 * same file — the failed one stays as it was, with its error. Null when the caller cannot see the
 * job or its file is gone; RetryRefused when the job has not failed or been cancelled.
 */
export async function retryOcrJob(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	id: string
): Promise<string | null> {
	const job = await findOcrJob(trx, tenantId, id);
	if (!job) return null;
	if (job.status !== 'failed' && job.status !== 'cancelled')
		throw new RetryRefused('Only a failed or cancelled OCR job can be retried.');
	const file = await attachmentFile(trx, config, tenantId, 'ocr_job', id);
	if (!file) return null;
	return createOcrJobFromFile(trx, config, tenantId, file, {
		title: job.title,
		feedRag: job.feedRag,
		engine: job.engine
	});
}

export class RetryRefused extends Error {}

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
