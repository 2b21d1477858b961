import { error, fail, isActionFailure } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { BodyTooLargeError, readFormDataCapped } from '$lib/server/platform/web/body';
import { formError } from '$lib/server/platform/web/forms';
import { inTransaction, requireClaims } from '$lib/server/platform/web/actions';
import {
	DOCUMENT_LIST,
	OCR_LIST,
	RetryRefused,
	cancelOcrJob,
	createDocument,
	createOcrJobFromFile,
	pageOcrJobs,
	retryOcrJob,
	deleteDocument,
	pageDocuments,
	reindexDocument,
	uploadDocument
} from '$lib/server/rag/queries';
import {
	documentIdSchema,
	ocrFormSchema,
	ocrJobIdSchema,
	urlDocumentSchema
} from '$lib/server/rag/schemas';
import { UploadRefused } from '$lib/server/storage/service';
import { tenantAction, tenantOf } from '$lib/server/tenancy/actions';
import { DOCUMENT_MAX_BYTES, OCR_MAX_BYTES } from '$lib/rag/options';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * The organisation's knowledge base (docs/rag.md): its documents with their ingestion status,
 * searched and paged in the URL, and the ask box (streamed from ./ask, the rag.ask template with
 * citations). ai.use or documents.manage reads; documents.manage adds, reindexes and deletes.
 * OCR jobs (a second list, `ocr` parameters): documents.manage submits an image or scanned PDF,
 * cancels a running job (cancel_ocr_job) and retries a failed one (a new job on the same file);
 * the page reloads `app:ocr` every two seconds while a job is queued or running.
 */
export const load: PageServerLoad = async ({ locals, parent, url, depends }) => {
	depends('app:ocr');
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'ai.use') && !can(permissions, 'documents.manage'))
		error(403, 'Documents need the ai.use or documents.manage permission.');
	const params = readList(url.searchParams, DOCUMENT_LIST);
	const ocrParams = readList(url.searchParams, OCR_LIST);
	return withClaims(requireClaims(locals), async (trx) => ({
		documents: await pageDocuments(trx, tenant.id, params),
		ocrJobs: await pageOcrJobs(trx, tenant.id, ocrParams),
		mayManage: can(permissions, 'documents.manage')
	}));
};

const NO_VALUES: Record<string, string> = {};
/** The OCR form's refusals say they are its own (`form: 'ocr'`), so the page shows them there. */
const OCR_FORM = { form: 'ocr' as const };
function ocrRefusal<T>(result: T): T {
	if (isActionFailure(result)) Object.assign(result.data as unknown as object, OCR_FORM);
	return result;
}
const fileError = (message: string): Record<string, string[]> => ({ file: [message] });

export const actions: Actions = {
	upload: async (event) => {
		const claims = requireClaims(event.locals);
		const tenant = await withClaims(claims, (trx) => tenantOf(trx, event.params.slug));
		let data: FormData;
		try {
			data = await readFormDataCapped(event.request, DOCUMENT_MAX_BYTES + 64 * 1024);
		} catch (e) {
			if (!(e instanceof BodyTooLargeError)) throw e;
			return fail(413, {
				errors: fileError('The file is too large (at most 20 MB).'),
				values: NO_VALUES
			});
		}
		const file = data.get('file');
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, {
				errors: fileError('Choose a PDF, Markdown, text or HTML file.'),
				values: NO_VALUES
			});
		}
		const { config } = await ensureRuntime();
		return inTransaction(claims, {}, async (trx) => {
			await uploadDocument(trx, config, tenant.id, file);
			return { ok: `${file.name} is queued for indexing.` };
		}).catch((e: unknown) => {
			if (e instanceof UploadRefused)
				return fail(e.status, { errors: fileError(e.message), values: NO_VALUES });
			throw e;
		});
	},

	addUrl: (event) =>
		tenantAction(event, urlDocumentSchema, async (trx, tenant, { input }) => {
			await createDocument(trx, tenant.id, {
				title: input.title,
				source: 'url',
				sourceUrl: input.url
			});
			return { ok: `${input.title} is queued: its page is fetched and indexed.` };
		}),

	reindex: (event) =>
		tenantAction(event, documentIdSchema, async (trx, _tenant, { input }) => {
			await reindexDocument(trx, input.document);
			return { ok: 'The document is queued for indexing again.' };
		}),

	/**
	 * An OCR job for an image or scanned PDF. The body is read with its cap first, then handed to
	 * tenantAction as a request of its own, so the fields are parsed by ocrFormSchema and the job
	 * and its file are written in tenantAction's one transaction.
	 */
	ocr: async (event) => {
		let data: FormData;
		try {
			data = await readFormDataCapped(event.request, OCR_MAX_BYTES + 64 * 1024);
		} catch (e) {
			if (!(e instanceof BodyTooLargeError)) throw e;
			return fail(413, {
				errors: fileError('The file is too large (at most 20 MB).'),
				values: NO_VALUES,
				...OCR_FORM
			});
		}
		const file = data.get('file');
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, {
				errors: fileError('Choose a PNG or JPEG image or a scanned PDF.'),
				values: NO_VALUES,
				...OCR_FORM
			});
		}
		const { config } = await ensureRuntime();
		const request = new Request(event.request.url, { method: 'POST', body: data });
		return tenantAction({ ...event, request }, ocrFormSchema, async (trx, tenant, { input }) => {
			await createOcrJobFromFile(trx, config, tenant.id, file, input);
			return { ok: `${input.title ?? file.name} is queued for OCR.` };
		})
			.then(ocrRefusal)
			.catch((e: unknown) => {
				if (e instanceof UploadRefused)
					return fail(e.status, { errors: fileError(e.message), values: NO_VALUES, ...OCR_FORM });
				throw e;
			});
	},

	cancelOcr: (event) =>
		tenantAction(event, ocrJobIdSchema, async (trx, _tenant, { input }) => {
			await cancelOcrJob(trx, input.job);
			return { ok: 'The OCR job is cancelled.' };
		}),

	retryOcr: async (event) => {
		const { config } = await ensureRuntime();
		return tenantAction(event, ocrJobIdSchema, async (trx, tenant, { input, values }) => {
			try {
				return (await retryOcrJob(trx, config, tenant.id, input.job))
					? { ok: 'The OCR job is queued again, as a new job on the same file.' }
					: formError(404, 'No such OCR job, or its file is gone.', values);
			} catch (e) {
				if (e instanceof RetryRefused) return formError(400, e.message, values);
				throw e;
			}
		});
	},

	delete: (event) =>
		tenantAction(event, documentIdSchema, async (trx, tenant, { input, values }) =>
			(await deleteDocument(trx, tenant.id, input.document))
				? { ok: 'Document deleted.' }
				: formError(404, 'No such document, or you may not delete it (documents.manage).', values)
		)
};
