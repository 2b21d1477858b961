/** The RAG module's queues (docs/rag.md): rag.ingest (ingest.ts) and ocr.recognize (ocr.ts). */
import { z } from 'zod';
import { registerQueue } from '../queue/registry';
import { ingestDocument } from './ingest';
import { recognizeJob } from './ocr';

registerQueue({
	name: 'rag.ingest',
	job: 'rag.ingest',
	concurrency: 2,
	leaseSeconds: 120,
	payload: z.object({ document_id: z.uuid() }),
	async handle(job, ctx) {
		const result = await ingestDocument(ctx.db, ctx.config, job.payload.document_id, {
			asSystem: ctx.asSystem,
			signal: ctx.signal,
			final: job.attempt >= job.maxAttempts
		});
		return result;
	}
});

registerQueue({
	name: 'ocr.recognize',
	job: 'ocr.recognize',
	concurrency: 1,
	leaseSeconds: 120,
	payload: z.object({ ocr_job_id: z.uuid() }),
	async handle(job, ctx) {
		return recognizeJob(ctx.config, job.payload.ocr_job_id, {
			asSystem: ctx.asSystem,
			signal: ctx.signal,
			final: job.attempt >= job.maxAttempts
		});
	}
});
