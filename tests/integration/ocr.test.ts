/**
 * The ocr.recognize job (docs/rag.md, "OCR jobs") on a migrated, seeded database, with the real
 * tesseract.js and the English data of @tesseract.js-data/eng: an image and a two-page scanned
 * PDF, both generated here (sharp renders SVG text), recognised page by page into ocr_pages and
 * fed into the knowledge base like any other document; cancellation, a refused file, and another
 * tenant seeing nothing.
 *
 * Offline, proven: every thread tesseract starts runs behind a guard that throws on any fetch to
 * an address other than loopback (worker_threads.Worker is wrapped before tesseract.js loads), and
 * the main thread's fetch is guarded the same way; a download attempt would fail the recognition.
 *
 * OCR is allowed small errors: a word counts as recognised when some recognised word is at least
 * 80% similar to it (1 − Levenshtein distance ÷ the longer length).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import { ingestDocument } from '../../src/lib/server/rag/ingest';
import {
	cancelOcrJob,
	createOcrJob,
	listOcrJobs,
	listOcrPages,
	searchDocuments
} from '../../src/lib/server/rag/queries';
import { storeUpload } from '../../src/lib/server/storage/service';
import { seeded } from '../support/database';
import { makeScannedPdf } from '../support/pdf';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ACME_OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', role: 'authenticated' as const };
const GLOBEX_OWNER = {
	sub: 'a0000000-0000-4000-8000-000000000021',
	role: 'authenticated' as const
};
const SIMILARITY = 0.8;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

const config = loadConfig({ DATA_DIR: 'memory://', NODE_ENV: 'test' });

// The guard of tesseract's threads: written to a file, loaded in place of its worker script.
const guardDir = mkdtempSync(join(tmpdir(), 'ocr-guard-'));
const guardFile = join(guardDir, 'guard.cjs');
writeFileSync(
	guardFile,
	`const { workerData } = require('node:worker_threads');
const LOOPBACK = new Set(${JSON.stringify([...LOOPBACK])});
const real = globalThis.fetch;
globalThis.fetch = (url, init) => {
	const host = new URL(String(url instanceof Request ? url.url : url)).hostname;
	if (!LOOPBACK.has(host)) throw new Error('The OCR worker tried to fetch ' + url);
	return real(url, init);
};
require(workerData.guardedScript);
`
);
let guardedThreads = 0;
const threads = createRequire(import.meta.url)('node:worker_threads') as {
	Worker: new (file: string | URL, options?: object) => object;
};
const RealWorker = threads.Worker;
threads.Worker = class extends RealWorker {
	constructor(file: string | URL, options: object = {}) {
		guardedThreads++;
		super(guardFile, { ...options, workerData: { guardedScript: String(file) } });
	}
} as typeof RealWorker;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
	const url = new URL(input instanceof Request ? input.url : String(input));
	if (!LOOPBACK.has(url.hostname)) throw new Error(`A test fetched ${url}`);
	return realFetch(input, init);
};

function levenshtein(a: string, b: string): number {
	const row = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		let previous = row[0]!;
		row[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const kept = row[j]!;
			row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
			previous = kept;
		}
	}
	return row[b.length]!;
}

/** The expected words no recognised word is SIMILARITY-similar to (case-insensitive). */
function missingWords(expected: string, recognised: string): string[] {
	const words = recognised.toLowerCase().match(/[a-z0-9]+/g) ?? [];
	return (expected.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter(
		(want) =>
			!words.some(
				(got) => 1 - levenshtein(want, got) / Math.max(want.length, got.length) >= SIMILARITY
			)
	);
}

async function textImage(lines: string[], format: 'png' | 'jpeg') {
	const width = 1000;
	const height = 60 + lines.length * 60;
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
		<rect width="100%" height="100%" fill="white"/>
		${lines.map((line, i) => `<text x="30" y="${70 + i * 60}" font-family="sans-serif" font-size="36" fill="black">${line}</text>`).join('')}
	</svg>`;
	const image = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
	const bytes = new Uint8Array(await (format === 'png' ? image.png() : image.jpeg()).toBuffer());
	return { bytes, width, height };
}

describe('ocr.recognize on the embedded engine', () => {
	let t: TestEngine;
	let ocr: typeof import('../../src/lib/server/rag/ocr');
	const as = <T>(claims: typeof ACME_OWNER, fn: Parameters<typeof runWithClaims<T>>[2]) =>
		runWithClaims(t.engine.db, claims, fn);
	const sys = {
		asSystem: <T>(
			job: 'ocr.recognize' | 'rag.ingest',
			fn: Parameters<typeof runAsServiceRole<T>>[2]
		) => runAsServiceRole(t.engine.db, job, fn)
	};

	async function newJob(title: string, file: File, feedRag = true) {
		return as(ACME_OWNER, async (trx) => {
			const id = await createOcrJob(trx, ACME, { title, feedRag });
			await storeUpload(trx, config, {
				bucket: 'rag-files',
				tenantId: ACME,
				ownerType: 'ocr_job',
				ownerId: id,
				file,
				accept: ['png', 'jpeg', 'pdf'],
				maxBytes: 5 * 1024 * 1024
			});
			return id;
		});
	}
	const jobOf = async (id: string) =>
		(await as(ACME_OWNER, (trx) => listOcrJobs(trx, ACME))).find((j) => j.id === id)!;

	beforeAll(async () => {
		t = await seeded(embeddedFactory);
		ocr = await import('../../src/lib/server/rag/ocr');
	});
	afterAll(async () => {
		await ocr?.terminateOcrWorker();
		threads.Worker = RealWorker;
		globalThis.fetch = realFetch;
		await t?.dispose();
	});

	it('reads the English data from node_modules, never a URL', () => {
		const options = ocr.ocrWorkerOptions();
		expect(options.langPath).toMatch(/node_modules\/@tesseract\.js-data\/eng\/4\.0\.0_best_int$/);
		expect(options.cacheMethod).toBe('none');
	});

	it('recognises a generated image into ocr_pages and feeds it into the knowledge base', async () => {
		const lines = [
			'Refunds are paid within fourteen days',
			'Invoice 4821 from the Leeds warehouse'
		];
		const image = await textImage(lines, 'png');
		const id = await newJob('Scanned refund note', new File([image.bytes], 'note.png'));
		expect((await jobOf(id)).status).toBe('queued');

		const result = await ocr.recognizeJob(config, id, sys);
		expect(guardedThreads).toBeGreaterThan(0);
		expect(result).toMatchObject({ pages: 1, documentId: expect.any(String) });

		const pages = await as(ACME_OWNER, (trx) => listOcrPages(trx, ACME, id));
		expect(pages).toHaveLength(1);
		expect(missingWords(lines.join(' '), pages[0]!.text)).toEqual([]);
		expect(pages[0]!.confidence).toBeGreaterThan(60);
		const job = await jobOf(id);
		expect(job).toMatchObject({ status: 'succeeded', pageCount: 1, pagesDone: 1, error: null });
		expect(job.confidence).toBe(pages[0]!.confidence);

		// The text is a document like any other: rag.ingest chunks and embeds it, search finds it.
		const documentId = (result as { documentId: string }).documentId;
		expect(job.documentId).toBe(documentId);
		expect(await ingestDocument(t.engine.db, config, documentId, sys)).toEqual({ chunks: 1 });
		const hits = await as(ACME_OWNER, (trx) => searchDocuments(trx, ACME, 'refunds fourteen days'));
		expect(hits[0]).toMatchObject({ documentId, title: 'Scanned refund note' });
	});

	it('recognises a scanned PDF page by page, and another tenant sees none of it', async () => {
		const first = await textImage(['Chapter one covers the holiday policy'], 'jpeg');
		const second = await textImage(['Chapter two covers expenses and travel'], 'jpeg');
		const pdf = makeScannedPdf([
			{ jpeg: first.bytes, width: first.width, height: first.height },
			{ jpeg: second.bytes, width: second.width, height: second.height }
		]);
		const id = await newJob('Scanned handbook', new File([pdf], 'handbook.pdf'), false);
		expect(await ocr.recognizeJob(config, id, sys)).toEqual({ pages: 2, documentId: null });
		const pages = await as(ACME_OWNER, (trx) => listOcrPages(trx, ACME, id));
		expect(pages.map((p) => p.page)).toEqual([1, 2]);
		expect(missingWords('Chapter one covers the holiday policy', pages[0]!.text)).toEqual([]);
		expect(missingWords('Chapter two covers expenses and travel', pages[1]!.text)).toEqual([]);
		expect(await jobOf(id)).toMatchObject({ status: 'succeeded', pagesDone: 2, documentId: null });

		const seenByGlobex = await as(GLOBEX_OWNER, async (trx) => ({
			pages: await listOcrPages(trx, ACME, id),
			jobs: await listOcrJobs(trx, ACME)
		}));
		expect(seenByGlobex).toEqual({ pages: [], jobs: [] });
	});

	it('stops a cancelled job and fails a file it cannot read, with the reason', async () => {
		const image = await textImage(['Never read'], 'png');
		const cancelled = await newJob('Cancelled', new File([image.bytes], 'c.png'));
		await as(ACME_OWNER, (trx) => cancelOcrJob(trx, cancelled));
		expect(await ocr.recognizeJob(config, cancelled, sys)).toEqual({ skipped: 'cancelled' });
		expect(await as(ACME_OWNER, (trx) => listOcrPages(trx, ACME, cancelled))).toEqual([]);

		const textless = makeScannedPdf([]);
		const broken = await newJob('Broken', new File([textless.slice(0, 40)], 'broken.pdf'));
		await expect(ocr.recognizeJob(config, broken, sys)).rejects.toThrow('The PDF cannot be read.');
		expect(await jobOf(broken)).toMatchObject({
			status: 'failed',
			error: 'The PDF cannot be read.'
		});
	});
});
