/**
 * The ocr.recognize job (docs/rag.md, "OCR jobs"): an OCR job's attachment — a PNG or JPEG image,
 * or a scanned PDF whose pages are images — recognised page by page by tesseract.js with the
 * English data of @tesseract.js-data/eng, read from node_modules (the worker never fetches: its
 * langPath is that package's folder, and nothing is cached elsewhere). Each page's text and mean
 * confidence go into ocr_pages as it is done (pages_done shows progress); a cancelled job stops
 * at its next page. With feed_rag, the text becomes a document of the knowledge base (source
 * text, one heading per page), which rag.ingest chunks and embeds like any other.
 *
 * One tesseract worker per process, made on first use, used by one recognition at a time and
 * terminated after OCR_IDLE_MS without work.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { createWorker, OEM, type Worker } from 'tesseract.js';
import { extractImages, getDocumentProxy } from 'unpdf';
import type { Transaction } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { PermanentJobError, type JobContext } from '../queue/registry';
import { storageAdapter } from '../storage/service';
import { LOCAL_EMBEDDER, LOCAL_DIMENSIONS } from './embedder';

/** How long the process keeps its tesseract worker without work. */
export const OCR_IDLE_MS = 30_000;
/** Pages of one PDF recognised at most. */
export const OCR_MAX_PAGES = 50;
const MAX_PIXELS = 40_000_000;

/** The worker's options: the English LSTM data from node_modules, no cache written, no download. */
export function ocrWorkerOptions(): { langPath: string; cacheMethod: 'none'; gzip: true } {
	const pkg = createRequire(import.meta.url).resolve('@tesseract.js-data/eng/package.json');
	return { langPath: join(dirname(pkg), '4.0.0_best_int'), cacheMethod: 'none', gzip: true };
}

let worker: Promise<Worker> | null = null;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
let queue: Promise<unknown> = Promise.resolve();

function scheduleIdle() {
	if (idleTimer) clearTimeout(idleTimer);
	idleTimer = setTimeout(() => void terminateOcrWorker(), OCR_IDLE_MS);
	idleTimer.unref?.();
}

/** Ends the process's tesseract worker (idle, shutdown, tests). */
export async function terminateOcrWorker(): Promise<void> {
	if (idleTimer) clearTimeout(idleTimer);
	idleTimer = null;
	const current = worker;
	worker = null;
	if (current) await (await current).terminate();
}

/** Recognises one image (PNG or JPEG bytes): its text and tesseract's mean confidence (0–100). */
export function recognizeImage(image: Uint8Array): Promise<{ text: string; confidence: number }> {
	const run = queue.then(async () => {
		if (idleTimer) clearTimeout(idleTimer);
		worker ??= createWorker('eng', OEM.LSTM_ONLY, ocrWorkerOptions()).catch((error) => {
			worker = null;
			throw error;
		});
		try {
			const { data } = await (await worker).recognize(Buffer.from(image));
			return {
				text: data.text.trim(),
				confidence: Math.max(0, Math.min(100, Math.round(data.confidence * 100) / 100))
			};
		} finally {
			scheduleIdle();
		}
	});
	queue = run.catch(() => undefined);
	return run;
}

/** The images to read: the file itself, or each page's largest image of a scanned PDF (as PNG). */
export async function pageImages(
	bytes: Uint8Array,
	contentType: string
): Promise<{ count: number; page(n: number): Promise<Uint8Array> }> {
	if (contentType === 'image/png' || contentType === 'image/jpeg') {
		const meta = await sharp(bytes).metadata();
		if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_PIXELS)
			throw new PermanentJobError('The image is over 40 megapixels.');
		return { count: 1, page: async () => bytes };
	}
	if (contentType !== 'application/pdf')
		throw new PermanentJobError('OCR reads PNG and JPEG images and scanned PDFs.');
	let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
	try {
		pdf = await getDocumentProxy(new Uint8Array(bytes));
	} catch {
		throw new PermanentJobError('The PDF cannot be read.');
	}
	if (pdf.numPages > OCR_MAX_PAGES)
		throw new PermanentJobError(
			`The PDF has ${pdf.numPages} pages; OCR reads at most ${OCR_MAX_PAGES}.`
		);
	return {
		count: pdf.numPages,
		async page(n) {
			const images = await extractImages(pdf, n);
			const largest = images.sort((a, b) => b.width * b.height - a.width * a.height)[0];
			if (!largest) return new Uint8Array();
			if (largest.width * largest.height > MAX_PIXELS)
				throw new PermanentJobError(`The image of page ${n} is over 40 megapixels.`);
			return sharp(Buffer.from(largest.data), {
				raw: { width: largest.width, height: largest.height, channels: largest.channels }
			})
				.png()
				.toBuffer();
		}
	};
}

type Sys = Pick<JobContext, 'asSystem'> & { signal?: AbortSignal; final?: boolean };

async function update(
	trx: Transaction<DB>,
	id: string,
	set: Partial<{
		status: 'running' | 'succeeded' | 'failed';
		page_count: number;
		pages_done: number;
		confidence: number | null;
		error: string | null;
		document_id: string;
		finished_at: string;
	}>
) {
	await trx
		.updateTable('ocr_jobs')
		.set({ ...set, updated_at: new Date().toISOString() })
		.where('id', '=', id)
		.where('status', 'in', ['queued', 'running'])
		.execute();
}

/** Runs one OCR job; the job handler and the tests call it. */
export async function recognizeJob(
	config: Config,
	ocrJobId: string,
	ctx: Sys
): Promise<{ pages: number; documentId: string | null } | { skipped: string }> {
	const job = await ctx.asSystem('ocr.recognize', async (trx) => {
		const row = await trx
			.selectFrom('ocr_jobs')
			.select(['id', 'tenant_id', 'title', 'status', 'feed_rag'])
			.where('id', '=', ocrJobId)
			.executeTakeFirst();
		if (row && (row.status === 'queued' || row.status === 'running'))
			await update(trx, ocrJobId, { status: 'running', error: null });
		return row;
	});
	if (!job) return { skipped: 'gone' };
	if (job.status !== 'queued' && job.status !== 'running') return { skipped: job.status };
	const cancelled = () =>
		ctx.asSystem('ocr.recognize', async (trx) => {
			const row = await trx
				.selectFrom('ocr_jobs')
				.select('status')
				.where('id', '=', ocrJobId)
				.executeTakeFirst();
			return row?.status !== 'running';
		});
	try {
		const file = await ctx.asSystem('ocr.recognize', (trx) =>
			trx
				.selectFrom('attachments')
				.select(['bucket', 'object_path', 'content_type'])
				.where('tenant_id', '=', job.tenant_id)
				.where('owner_type', '=', 'ocr_job')
				.where('owner_id', '=', job.id)
				.orderBy('created_at', 'desc')
				.executeTakeFirst()
		);
		if (!file) throw new PermanentJobError('The OCR job has no image or PDF.');
		const bytes = await storageAdapter(config).get(file.bucket, file.object_path);
		if (!bytes) throw new PermanentJobError('The OCR job’s file is missing from storage.');
		const pages = await pageImages(bytes, file.content_type);
		await ctx.asSystem('ocr.recognize', async (trx) => {
			await trx
				.deleteFrom('ocr_pages')
				.where('tenant_id', '=', job.tenant_id)
				.where('ocr_job_id', '=', job.id)
				.execute();
			await update(trx, job.id, { page_count: pages.count, pages_done: 0 });
		});
		const texts: { text: string; confidence: number }[] = [];
		for (let n = 1; n <= pages.count; n++) {
			if (ctx.signal?.aborted || (await cancelled())) return { skipped: 'cancelled' };
			const image = await pages.page(n);
			const result = image.length ? await recognizeImage(image) : { text: '', confidence: 0 };
			texts.push(result);
			await ctx.asSystem('ocr.recognize', async (trx) => {
				await trx
					.insertInto('ocr_pages')
					.values({
						tenant_id: job.tenant_id,
						ocr_job_id: job.id,
						page: n,
						text: result.text.slice(0, 200_000),
						confidence: result.confidence
					})
					.execute();
				await update(trx, job.id, { pages_done: n });
			});
		}
		const confidence =
			texts.length === 0
				? null
				: Math.round((texts.reduce((s, t) => s + t.confidence, 0) / texts.length) * 100) / 100;
		const documentId = await ctx.asSystem('ocr.recognize', async (trx) => {
			let docId: string | null = null;
			const body = texts
				.map((t, i) => (pages.count > 1 ? `# Page ${i + 1}\n\n${t.text}` : t.text))
				.join('\n\n')
				.trim();
			if (job.feed_rag && body) {
				docId = (
					await trx
						.insertInto('rag_documents')
						.values({
							tenant_id: job.tenant_id,
							title: job.title,
							source: 'text',
							body: body.slice(0, 2_000_000),
							embedder: LOCAL_EMBEDDER,
							dimensions: LOCAL_DIMENSIONS
						})
						.returning('id')
						.executeTakeFirstOrThrow()
				).id;
			}
			await update(trx, job.id, {
				status: 'succeeded',
				confidence,
				finished_at: new Date().toISOString(),
				...(docId ? { document_id: docId } : {})
			});
			return docId;
		});
		return { pages: pages.count, documentId };
	} catch (error) {
		const permanent = error instanceof PermanentJobError;
		if (permanent || ctx.final) {
			await ctx.asSystem('ocr.recognize', (trx) =>
				update(trx, job.id, {
					status: 'failed',
					error: (error as Error).message.slice(0, 1000),
					finished_at: new Date().toISOString()
				})
			);
		}
		throw error;
	}
}
