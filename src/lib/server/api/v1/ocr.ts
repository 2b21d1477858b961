/**
 * OCR jobs (rag/queries.ts, rag/ocr.ts, docs/rag.md "OCR jobs"): submit an image or scanned PDF
 * (an upload, or an uploaded document's file), read a job with its pages, list with filters,
 * cancel, and retry a failed one. ai.use or documents.manage reads, documents.manage writes; SQL
 * decides (another organisation's job is the same 404 as one that does not exist).
 */
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { DB } from '../../platform/database';
import { ensureRuntime } from '../../platform/runtime';
import {
	RetryRefused,
	cancelOcrJob,
	createOcrJobFromDocument,
	createOcrJobFromFile,
	findOcrJob,
	listOcrJobs,
	listOcrPages,
	retryOcrJob,
	type OcrJobRow
} from '../../rag/queries';
import { OCR_ENGINES, OCR_MAX_BYTES, type OcrEngine } from '../../../rag/options';
import { UploadRefused } from '../../storage/service';
import { endpoint } from '../endpoint';
import { pageOf, pageQuery, paginate } from '../paging';
import { ApiProblem } from '../problem';
import { iso, notFound, timestamp, uuid } from './shared';

const TAG = 'OCR';
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const engine = z
	.enum(Object.keys(OCR_ENGINES) as [OcrEngine, ...OcrEngine[]], {
		error: 'Use the engine tesseract (the one this installation runs).'
	})
	.default('tesseract')
	.meta({ description: 'The OCR engine: tesseract (tesseract.js in-process, English).' });

export const ocrJobSchema = z
	.object({
		id: z.uuid(),
		title: z.string(),
		engine: z.enum(Object.keys(OCR_ENGINES) as [OcrEngine, ...OcrEngine[]]),
		language: z.string(),
		status: z.enum(STATUSES),
		feed_rag: z.boolean().meta({
			description: 'Whether the text becomes a document of the knowledge base when done.'
		}),
		page_count: z.int().nullable().meta({ description: 'Pages to read; null until known.' }),
		pages_done: z.int(),
		confidence: z
			.number()
			.nullable()
			.meta({ description: 'Tesseract’s mean confidence over the pages, 0–100.' }),
		error: z.string().nullable(),
		document_id: z
			.uuid()
			.nullable()
			.meta({ description: 'The knowledge-base document the text became (feed_rag).' }),
		created_at: timestamp,
		finished_at: timestamp.nullable()
	})
	.meta({ id: 'OcrJob' });

const ocrJobDetailSchema = ocrJobSchema
	.extend({
		pages: z.array(z.object({ page: z.int(), text: z.string(), confidence: z.number() }))
	})
	.meta({ id: 'OcrJobDetail' });

function jobJson(j: OcrJobRow): z.infer<typeof ocrJobSchema> {
	return {
		id: j.id,
		title: j.title,
		engine: j.engine,
		language: j.language,
		status: j.status,
		feed_rag: j.feedRag,
		page_count: j.pageCount,
		pages_done: j.pagesDone,
		confidence: j.confidence,
		error: j.error,
		document_id: j.documentId,
		created_at: iso(j.createdAt),
		finished_at: iso(j.finishedAt)
	};
}

const jobParams = z.object({ job: uuid('OCR job') });

async function visible(trx: Transaction<DB>, tenantId: string, id: string) {
	return (await findOcrJob(trx, tenantId, id)) ?? notFound('OCR job');
}

/** A refusal of the file OCR cannot read: TN611, 422, naming `body.<field>`. */
function unreadable(field: 'file' | 'document', message: string): never {
	throw Object.assign(new Error(message), { code: field === 'file' ? 'TN611' : 'TN610' });
}

export const listOcrJobsEndpoint = endpoint(
	{
		method: 'GET',
		path: '/ocr/jobs',
		operationId: 'listOcrJobs',
		summary: 'OCR jobs, newest first (ai.use)',
		description:
			'Filters: `status`, `since` and `until` (creation time, ISO 8601 with an offset; `since` inclusive). At most 1,000 jobs are paged.',
		tag: TAG,
		query: pageQuery.extend({
			status: z.enum(STATUSES, { error: `Use one of ${STATUSES.join(', ')}.` }).optional(),
			since: timestamp.optional(),
			until: timestamp.optional()
		}),
		response: pageOf(ocrJobSchema, 'OcrJobPage')
	},
	async ({ trx, tenant, query }) => {
		const { limit, cursor, ...filter } = query;
		const rows = await listOcrJobs(trx, tenant.id, { ...filter, limit: 1000 });
		return paginate(rows.map(jobJson), (j) => `${j.created_at}|${j.id}`, { limit, cursor });
	}
);

export const createOcrJobEndpoint = endpoint(
	{
		method: 'POST',
		path: '/ocr/jobs',
		operationId: 'createOcrJob',
		summary:
			'OCR an uploaded document’s file (a scanned PDF or an image); queued (documents.manage)',
		description:
			'`document` names a document made by an upload; its file is read again by OCR, page by page. TN610 (422, `body.document`) when that document has no file OCR reads.',
		tag: TAG,
		body: z
			.object({
				document: uuid('document'),
				title: z.string().trim().min(1).max(200).optional(),
				engine,
				feed_rag: z.boolean().default(false)
			})
			.strict()
			.meta({ id: 'OcrJobCreate' }),
		response: ocrJobSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const { config } = await ensureRuntime();
		let id: string | null;
		try {
			id = await createOcrJobFromDocument(trx, config, tenant.id, body.document, {
				title: body.title,
				engine: body.engine,
				feedRag: body.feed_rag
			});
		} catch (e) {
			if (!(e instanceof UploadRefused)) throw e;
			unreadable('document', e.message);
		}
		if (!id) unreadable('document', 'That document has no file.');
		return jobJson(await visible(trx, tenant.id, id));
	}
);

export const uploadOcrJobEndpoint = endpoint(
	{
		method: 'POST',
		path: '/ocr/jobs/upload',
		operationId: 'uploadOcrJob',
		summary:
			'OCR an image or scanned PDF; queued (documents.manage): multipart/form-data with a `file` part',
		description:
			'PNG, JPEG or PDF of at most 20 MB, proven by their first bytes; `title` (optional, else the file’s name), `engine` (tesseract) and `feed_rag` (`true` to add the text to the knowledge base). TN611 (422, `body.file`) for another kind of file; a body past the limit is refused before it is read (TN233).',
		tag: TAG,
		upload: { maxBytes: OCR_MAX_BYTES + 64 * 1024 },
		body: z
			.object({
				file: z.file({ error: 'Attach the image or PDF in the `file` part.' }),
				title: z.string().trim().max(200).optional(),
				engine,
				feed_rag: z
					.enum(['true', 'false'], { error: 'Send true or false.' })
					.default('false')
					.transform((v) => v === 'true')
			})
			.meta({ id: 'OcrJobUpload' }),
		response: ocrJobSchema,
		status: 201
	},
	async ({ trx, tenant, body }) => {
		const { config } = await ensureRuntime();
		let id: string;
		try {
			id = await createOcrJobFromFile(trx, config, tenant.id, body.file, {
				title: body.title,
				engine: body.engine,
				feedRag: body.feed_rag
			});
		} catch (e) {
			if (!(e instanceof UploadRefused)) throw e;
			if (e.status === 413) throw new ApiProblem('TN233', e.message);
			unreadable('file', e.message);
		}
		return jobJson(await visible(trx, tenant.id, id));
	}
);

export const getOcrJobEndpoint = endpoint(
	{
		method: 'GET',
		path: '/ocr/jobs/{job}',
		operationId: 'getOcrJob',
		summary: 'An OCR job, its progress and the text of each page read so far (ai.use)',
		tag: TAG,
		params: jobParams,
		response: ocrJobDetailSchema
	},
	async ({ trx, tenant, params }) => ({
		...jobJson(await visible(trx, tenant.id, params.job)),
		pages: await listOcrPages(trx, tenant.id, params.job)
	})
);

export const cancelOcrJobEndpoint = endpoint(
	{
		method: 'POST',
		path: '/ocr/jobs/{job}/cancel',
		operationId: 'cancelOcrJob',
		summary: 'Cancel a queued or running OCR job; it stops at its next page (documents.manage)',
		description: 'TN577 (409) when the job has finished already.',
		tag: TAG,
		params: jobParams,
		response: ocrJobSchema
	},
	async ({ trx, tenant, params }) => {
		await visible(trx, tenant.id, params.job);
		await cancelOcrJob(trx, params.job);
		return jobJson(await visible(trx, tenant.id, params.job));
	}
);

export const retryOcrJobEndpoint = endpoint(
	{
		method: 'POST',
		path: '/ocr/jobs/{job}/retry',
		operationId: 'retryOcrJob',
		summary:
			'Retry a failed or cancelled OCR job: a new job on the same file (documents.manage); the old one keeps its error',
		description: 'TN612 (409) when the job has not failed or been cancelled.',
		tag: TAG,
		params: jobParams,
		response: ocrJobSchema,
		status: 201
	},
	async ({ trx, tenant, params }) => {
		await visible(trx, tenant.id, params.job);
		const { config } = await ensureRuntime();
		let id: string | null;
		try {
			id = await retryOcrJob(trx, config, tenant.id, params.job);
		} catch (e) {
			if (e instanceof RetryRefused) throw Object.assign(e, { code: 'TN612' });
			throw e;
		}
		if (!id) notFound('OCR job’s file');
		return jobJson(await visible(trx, tenant.id, id));
	}
);
