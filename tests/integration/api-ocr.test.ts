/**
 * /api/v1/ocr/jobs against the app as `npm start` runs it (its queue worker runs ocr.recognize
 * with the real tesseract.js), through the typed client generated from the OpenAPI document
 * (every response checked against it, tests/support/api.ts), with API keys: an image uploaded
 * for OCR with feed_rag is read page by page and becomes a searchable document; the list's
 * filters; a job made from an uploaded scanned PDF document, cancelled, cancelled again (409) and
 * retried as a new job; a finished job not retried (409); bad input refused with the field named
 * (422 for a file OCR cannot read, 400 for a malformed value); and Globex's key reads, cancels
 * and retries none of Acme's jobs (404), nor lists them.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/lib/api-client';
import { ResponseChecker } from '../support/api';
import { signInCookies, startApp, type App } from '../support/app';
import { makeScannedPdf } from '../support/pdf';

const PASSWORD = 'password123!';
const checker = new ResponseChecker();

async function textImage(lines: string[], format: 'png' | 'jpeg') {
	const width = 1000;
	const height = 60 + lines.length * 60;
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
		<rect width="100%" height="100%" fill="white"/>
		${lines.map((l, i) => `<text x="30" y="${70 + i * 60}" font-family="DejaVu Sans, sans-serif" font-size="36" fill="black">${l}</text>`).join('')}
	</svg>`;
	const image = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
	const bytes = new Uint8Array(await (format === 'png' ? image.png() : image.jpeg()).toBuffer());
	return { bytes, width, height };
}

type Field = { field: string; message: string };
const fields = (error: unknown) => (error as { errors?: Field[] }).errors?.map((e) => e.field);

describe('REST API v1: OCR jobs', () => {
	let app: App;
	let acme: ApiClient;
	let globex: ApiClient;

	const keyFor = async (email: string, slug: string) => {
		const session = checker.client(app.url, {
			cookie: await signInCookies(app, email, PASSWORD),
			'tenantry-tenant': slug
		});
		const key = await session.POST('/api/v1/api-keys', {
			body: { name: 'ocr', mode: 'test', permissions: ['ai.use', 'documents.manage'] }
		});
		expect(key.response.status).toBe(201);
		return checker.client(app.url, { authorization: `Bearer ${key.data!.key}` });
	};
	const upload = (client: ApiClient, file: File, extra: Record<string, string> = {}) =>
		client.POST('/api/v1/ocr/jobs/upload', {
			body: { file: file.name },
			bodySerializer: () => {
				const form = new FormData();
				form.set('file', file);
				for (const [k, v] of Object.entries(extra)) form.set(k, v);
				return form;
			}
		});
	const statusOf = async (client: ApiClient, job: string) =>
		(await client.GET('/api/v1/ocr/jobs/{job}', { params: { path: { job } } })).data?.status;

	beforeAll(async () => {
		app = await startApp();
		acme = await keyFor('owner@acme.test', 'acme');
		globex = await keyFor('owner@globex.test', 'globex');
	}, 180_000);
	afterAll(async () => {
		await app?.stop();
	});

	it('reads an uploaded image page by page into a searchable document, and lists it by filter', async () => {
		const image = await textImage(['The walrus archive closes at noon'], 'png');
		const created = await upload(acme, new File([image.bytes], 'walrus.png'), {
			title: 'Walrus notice',
			feed_rag: 'true'
		});
		expect(created.response.status).toBe(201);
		expect(created.data).toMatchObject({
			title: 'Walrus notice',
			engine: 'tesseract',
			feed_rag: true,
			status: 'queued',
			pages_done: 0
		});
		const id = created.data!.id;
		await expect
			.poll(() => statusOf(acme, id), { timeout: 90_000, interval: 500 })
			.toBe('succeeded');
		const job = await acme.GET('/api/v1/ocr/jobs/{job}', { params: { path: { job: id } } });
		expect(job.data).toMatchObject({ page_count: 1, pages_done: 1, error: null });
		expect(job.data!.confidence).toBeGreaterThan(60);
		expect(job.data!.pages).toHaveLength(1);
		expect(job.data!.pages[0]!.text.toLowerCase()).toContain('walrus archive');
		const documentId = job.data!.document_id!;
		expect(documentId).toEqual(expect.any(String));
		await expect
			.poll(
				async () =>
					(
						await acme.GET('/api/v1/documents/{document}', {
							params: { path: { document: documentId } }
						})
					).data?.status,
				{ timeout: 30_000, interval: 250 }
			)
			.toBe('ready');
		const hits = await acme.POST('/api/v1/documents/search', {
			body: { query: 'walrus archive noon', k: 3 }
		});
		expect(hits.data!.data[0]).toMatchObject({ document_id: documentId, title: 'Walrus notice' });

		const done = await acme.GET('/api/v1/ocr/jobs', { params: { query: { status: 'succeeded' } } });
		expect(done.data!.data.map((j) => j.id)).toContain(id);
		const queued = await acme.GET('/api/v1/ocr/jobs', { params: { query: { status: 'queued' } } });
		expect(queued.data!.data.map((j) => j.id)).not.toContain(id);
		const later = await acme.GET('/api/v1/ocr/jobs', {
			params: { query: { since: new Date(Date.now() + 60_000).toISOString() } }
		});
		expect(later.data!.data).toEqual([]);
		const before = await acme.GET('/api/v1/ocr/jobs', {
			params: { query: { until: new Date(Date.now() + 60_000).toISOString() } }
		});
		expect(before.data!.data.map((j) => j.id)).toContain(id);

		const again = await acme.POST('/api/v1/ocr/jobs/{job}/retry', {
			params: { path: { job: id } }
		});
		expect(again.response.status).toBe(409);
		expect(again.error).toMatchObject({ code: 'TN612' });
	}, 150_000);

	it('makes a job from an uploaded scanned PDF, cancels it once, and retries it as a new job', async () => {
		const page = await textImage(['Chapter one covers the holiday policy'], 'jpeg');
		const pdf = makeScannedPdf([{ jpeg: page.bytes, width: page.width, height: page.height }]);
		const doc = await acme.POST('/api/v1/documents/upload', {
			body: { file: 'scan.pdf' },
			bodySerializer: () => {
				const form = new FormData();
				form.set('file', new File([pdf], 'scan.pdf', { type: 'application/pdf' }));
				form.set('title', 'Holiday scan');
				return form;
			}
		});
		expect(doc.response.status).toBe(201);
		const created = await acme.POST('/api/v1/ocr/jobs', {
			body: { document: doc.data!.id, feed_rag: false }
		});
		expect(created.response.status).toBe(201);
		expect(created.data).toMatchObject({ title: 'Holiday scan', feed_rag: false });
		const id = created.data!.id;

		// Cancelled at once: recognition (the worker's start included) takes seconds.
		const cancelled = await acme.POST('/api/v1/ocr/jobs/{job}/cancel', {
			params: { path: { job: id } }
		});
		expect(cancelled.response.status).toBe(200);
		expect(cancelled.data).toMatchObject({ status: 'cancelled' });
		const twice = await acme.POST('/api/v1/ocr/jobs/{job}/cancel', {
			params: { path: { job: id } }
		});
		expect(twice.response.status).toBe(409);
		expect(twice.error).toMatchObject({ code: 'TN577' });

		// Another organisation's key: the same 404 as a job that does not exist.
		for (const probe of [
			await globex.GET('/api/v1/ocr/jobs/{job}', { params: { path: { job: id } } }),
			await globex.POST('/api/v1/ocr/jobs/{job}/cancel', { params: { path: { job: id } } }),
			await globex.POST('/api/v1/ocr/jobs/{job}/retry', { params: { path: { job: id } } })
		]) {
			expect(probe.response.status).toBe(404);
			expect(probe.error).toMatchObject({ code: 'TN230' });
		}
		const theirs = await globex.GET('/api/v1/ocr/jobs');
		expect(theirs.data!.data.map((j) => j.id)).not.toContain(id);
		const fromTheirDoc = await globex.POST('/api/v1/ocr/jobs', {
			body: { document: doc.data!.id }
		});
		expect(fromTheirDoc.response.status).toBe(422);
		expect(fields(fromTheirDoc.error)).toEqual(['body.document']);

		const retried = await acme.POST('/api/v1/ocr/jobs/{job}/retry', {
			params: { path: { job: id } }
		});
		expect(retried.response.status).toBe(201);
		expect(retried.data).toMatchObject({ title: 'Holiday scan', status: 'queued' });
		expect(retried.data!.id).not.toBe(id);
		expect(await statusOf(acme, id)).toBe('cancelled');
		await expect
			.poll(() => statusOf(acme, retried.data!.id), { timeout: 90_000, interval: 500 })
			.toBe('succeeded');
		const read = await acme.GET('/api/v1/ocr/jobs/{job}', {
			params: { path: { job: retried.data!.id } }
		});
		expect(read.data!.pages[0]!.text.toLowerCase()).toContain('holiday policy');
	}, 150_000);

	it('refuses bad input with the field named', async () => {
		const text = await upload(acme, new File(['just words'], 'notes.txt', { type: 'text/plain' }));
		expect(text.response.status).toBe(422);
		expect(text.error).toMatchObject({ code: 'TN611' });
		expect(fields(text.error)).toEqual(['body.file']);

		const markdown = await acme.POST('/api/v1/documents', {
			body: { source: 'text', title: 'Plain text', text: 'No scan here.' }
		});
		const noScan = await acme.POST('/api/v1/ocr/jobs', {
			body: { document: markdown.data!.id }
		});
		expect(noScan.response.status).toBe(422);
		expect(noScan.error).toMatchObject({ code: 'TN610' });
		expect(fields(noScan.error)).toEqual(['body.document']);

		const malformed = await acme.POST('/api/v1/ocr/jobs', {
			body: { document: 'nope', engine: 'cloud' as 'tesseract' }
		});
		expect(malformed.response.status).toBe(400);
		expect(fields(malformed.error)?.sort()).toEqual(['body.document', 'body.engine']);

		const badFilter = await acme.GET('/api/v1/ocr/jobs', {
			params: { query: { status: 'done' as 'succeeded' } }
		});
		expect(badFilter.response.status).toBe(400);
		expect(fields(badFilter.error)).toEqual(['query.status']);

		const badEngine = await upload(acme, new File(['x'], 'x.png'), { engine: 'cloud' });
		expect(badEngine.response.status).toBe(400);
		expect(fields(badEngine.error)).toEqual(['body.engine']);
	});
});
