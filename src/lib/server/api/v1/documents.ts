/**
 * Knowledge-base documents and search (rag/queries.ts, docs/rag.md): list, add from a URL or
 * text, read, delete, reindex, and the hybrid search that cites document and position. ai.use
 * reads, searches and asks, documents.manage writes (uploads included); SQL decides (the search
 * sees the caller's tenant only, whatever the request says).
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import {
	createDocument,
	deleteDocument,
	findDocument,
	listDocuments,
	reindexDocument,
	searchDocuments,
	uploadDocument,
	type DocumentRow
} from '../../rag/queries';
import { DOCUMENT_MAX_BYTES } from '../../../rag/options';
import { AiError } from '../../ai/gateway';
import { ensureRuntime } from '../../platform/runtime';
import { askDocuments } from '../../rag/ask';
import { UploadRefused } from '../../storage/service';
import { endpoint } from '../endpoint';
import { ApiProblem } from '../problem';
import { forbidden, iso, listEndpoint, notFound, timestamp, uuid } from './shared';

const TAG = 'Documents';

export const documentSchema = z
	.object({
		id: z.uuid(),
		title: z.string(),
		source: z.enum(['upload', 'url', 'text']),
		source_url: z.string().nullable(),
		status: z.enum(['queued', 'extracting', 'embedding', 'ready', 'failed']),
		failure_reason: z.string().nullable(),
		embedder: z.string().meta({
			description: 'The embedding model: local/lexical-hash-384 is the in-process lexical embedder.'
		}),
		chunk_count: z.int(),
		page_count: z.int().nullable(),
		created_at: timestamp,
		updated_at: timestamp
	})
	.meta({ id: 'Document' });

const hitSchema = z
	.object({
		document_id: z.uuid(),
		title: z.string(),
		seq: z.int().meta({ description: 'The chunk’s position in its document (0 first).' }),
		heading: z.string(),
		page: z.int().nullable(),
		content: z.string(),
		score: z
			.number()
			.meta({ description: 'Reciprocal-rank-fusion score of the vector and full-text ranks.' }),
		vector_rank: z.int().nullable(),
		text_rank: z.int().nullable()
	})
	.meta({ id: 'DocumentSearchHit' });

function documentJson(d: DocumentRow): z.infer<typeof documentSchema> {
	return {
		id: d.id,
		title: d.title,
		source: d.source,
		source_url: d.sourceUrl,
		status: d.status,
		failure_reason: d.failureReason,
		embedder: d.embedder,
		chunk_count: d.chunkCount,
		page_count: d.pageCount,
		created_at: iso(d.createdAt),
		updated_at: iso(d.updatedAt)
	};
}

const documentParams = z.object({ document: uuid('document') });

async function visible(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findDocument(trx, tenantId, id)) ?? notFound('document');
}

export const listDocumentsEndpoint = listEndpoint(
	{
		path: '/documents',
		operationId: 'listDocuments',
		summary: 'The knowledge base’s documents, newest first (ai.use)',
		tag: TAG,
		item: documentSchema,
		pageId: 'DocumentPage'
	},
	async ({ trx, tenant }) => (await listDocuments(trx, tenant.id)).map(documentJson),
	(d) => `${d.created_at}|${d.id}`
);

export const createDocumentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/documents',
		operationId: 'createDocument',
		summary: 'Add a document from a URL or text; it is queued for ingestion (documents.manage)',
		tag: TAG,
		body: z
			.discriminatedUnion('source', [
				z.object({
					source: z.literal('url'),
					title: z.string().trim().min(1).max(200),
					url: z.url({ protocol: /^https?$/, error: 'Give an http or https URL.' }).max(2000)
				}),
				z.object({
					source: z.literal('text'),
					title: z.string().trim().min(1).max(200),
					text: z.string().trim().min(1).max(2_000_000)
				})
			])
			.meta({ id: 'DocumentCreate' }),
		response: documentSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const id = await createDocument(trx, tenant.id, {
			title: body.title,
			source: body.source,
			sourceUrl: body.source === 'url' ? body.url : null,
			body: body.source === 'text' ? body.text : null
		});
		return documentJson(await visible(trx, tenant.id, id));
	}
);

export const getDocumentEndpoint = endpoint(
	{
		method: 'GET',
		path: '/documents/{document}',
		operationId: 'getDocument',
		summary: 'A document and its ingestion status (ai.use)',
		tag: TAG,
		params: documentParams,
		response: documentSchema
	},
	async ({ trx, tenant, params }) => documentJson(await visible(trx, tenant.id, params.document))
);

export const deleteDocumentEndpoint = endpoint(
	{
		method: 'DELETE',
		path: '/documents/{document}',
		operationId: 'deleteDocument',
		summary: 'Delete a document with its chunks and file (documents.manage)',
		tag: TAG,
		params: documentParams
	},
	async ({ trx, tenant, params }) => {
		await visible(trx, tenant.id, params.document);
		if (!(await deleteDocument(trx, tenant.id, params.document))) forbidden('documents.manage');
	}
);

export const reindexDocumentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/documents/{document}/reindex',
		operationId: 'reindexDocument',
		summary: 'Queue a ready or failed document for ingestion again (documents.manage)',
		tag: TAG,
		params: documentParams,
		response: documentSchema
	},
	async ({ trx, tenant, params }) => {
		await visible(trx, tenant.id, params.document);
		await reindexDocument(trx, params.document);
		return documentJson(await visible(trx, tenant.id, params.document));
	}
);

export const searchDocumentsEndpoint = endpoint(
	{
		method: 'POST',
		path: '/documents/search',
		operationId: 'searchDocuments',
		summary: 'Hybrid search (vector and full text) of the organisation’s documents, cited (ai.use)',
		tag: TAG,
		body: z
			.object({
				query: z.string().trim().min(1).max(2000),
				k: z.int().min(1).max(50).default(8)
			})
			.strict()
			.meta({ id: 'DocumentSearch' }),
		response: z.object({ data: z.array(hitSchema) }).meta({ id: 'DocumentSearchResult' })
	},
	async ({ trx, tenant, body }) => ({
		data: (await searchDocuments(trx, tenant.id, body.query, body.k)).map((h) => ({
			document_id: h.documentId,
			title: h.title,
			seq: h.seq,
			heading: h.heading,
			page: h.page,
			content: h.content,
			score: h.score,
			vector_rank: h.vectorRank,
			text_rank: h.textRank
		}))
	})
);

export const uploadDocumentEndpoint = endpoint(
	{
		method: 'POST',
		path: '/documents/upload',
		operationId: 'uploadDocument',
		summary:
			'Add a document from a file; it is queued for ingestion (documents.manage): multipart/form-data with a `file` part',
		description:
			'PDF, Markdown, text or HTML of at most 20 MB, proven by their first bytes; `title` (optional) names it, else the file’s name. A body past the limit is refused before it is read (TN233).',
		tag: TAG,
		upload: { maxBytes: DOCUMENT_MAX_BYTES + 64 * 1024 },
		body: z
			.object({
				file: z.file({ error: 'Attach a file in the `file` part.' }),
				title: z.string().trim().max(200).optional()
			})
			.meta({ id: 'DocumentUpload' }),
		response: documentSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const { config } = await ensureRuntime();
		let id: string;
		try {
			id = await uploadDocument(trx, config, tenant.id, body.file, body.title);
		} catch (e) {
			if (!(e instanceof UploadRefused)) throw e;
			if (e.status === 413) throw new ApiProblem('TN233', e.message);
			throw new ApiProblem('TN220', `body.file: ${e.message}`, {
				errors: [{ field: 'body.file', message: e.message }]
			});
		}
		return documentJson(await visible(trx, tenant.id, id));
	}
);

export const askDocumentsEndpoint = endpoint(
	{
		method: 'POST',
		path: '/documents/ask',
		operationId: 'askDocuments',
		summary:
			'Answer a question from the organisation’s documents with citations, through its rag.ask prompt template (ai.use)',
		description:
			'The best passages (hybrid search, this organisation only) go to the cheapest chat model the organisation may call, inside the template’s fenced data blocks; the run is recorded with its cost and the budget applies (TN552, TN553). Without a chat model, `mode` is `passages`: the answer is the passages themselves. TN563 without ai.use; a provider’s failure is TN562.',
		tag: TAG,
		body: z
			.object({
				question: z.string().trim().min(1).max(2000),
				k: z.int().min(1).max(20).default(6)
			})
			.strict()
			.meta({ id: 'DocumentQuestion' }),
		response: z
			.object({
				answer: z.string(),
				mode: z.enum(['model', 'passages']),
				citations: z.array(
					z.object({
						n: z.int().meta({ description: 'The [n] the answer cites it by.' }),
						label: z.string(),
						document_id: z.uuid(),
						seq: z.int()
					})
				),
				run_id: z.uuid().nullable(),
				cost_usd: z.string().nullable().meta({ description: 'USD, exact decimal.' })
			})
			.meta({ id: 'DocumentAnswer' })
	},
	async ({ trx, tenant, body }) => {
		const { config } = await ensureRuntime();
		try {
			const out = await askDocuments(trx, config, {
				tenantId: tenant.id,
				question: body.question,
				k: body.k
			});
			return {
				answer: out.text,
				mode: out.mode,
				citations: out.citations.map((c) => ({
					n: c.n,
					label: c.label,
					document_id: c.documentId,
					seq: c.seq
				})),
				run_id: out.runId ?? null,
				cost_usd: out.costUsd ?? null
			};
		} catch (error) {
			if (error instanceof AiError) throw new ApiProblem('TN562', error.message);
			throw error;
		}
	}
);
