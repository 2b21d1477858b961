import { error, fail } from '@sveltejs/kit';
import { withClaims } from '$lib/server/platform/db';
import { readList } from '$lib/server/platform/list';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { BodyTooLargeError, readFormDataCapped } from '$lib/server/platform/web/body';
import { formError } from '$lib/server/platform/web/forms';
import { inTransaction, requireClaims } from '$lib/server/platform/web/actions';
import {
	DOCUMENT_LIST,
	createDocument,
	deleteDocument,
	pageDocuments,
	reindexDocument,
	uploadDocument
} from '$lib/server/rag/queries';
import { documentIdSchema, urlDocumentSchema } from '$lib/server/rag/schemas';
import { UploadRefused } from '$lib/server/storage/service';
import { tenantAction, tenantOf } from '$lib/server/tenancy/actions';
import { DOCUMENT_MAX_BYTES } from '$lib/rag/options';
import { can } from '$lib/tenancy/nav';
import type { Actions, PageServerLoad } from './$types';

/**
 * The organisation's knowledge base (docs/rag.md): its documents with their ingestion status,
 * searched and paged in the URL, and the ask box (streamed from ./ask, the rag.ask template with
 * citations). ai.use or documents.manage reads; documents.manage adds, reindexes and deletes.
 */
export const load: PageServerLoad = async ({ locals, parent, url }) => {
	const { tenant, permissions } = await parent();
	if (!can(permissions, 'ai.use') && !can(permissions, 'documents.manage'))
		error(403, 'Documents need the ai.use or documents.manage permission.');
	const params = readList(url.searchParams, DOCUMENT_LIST);
	return withClaims(requireClaims(locals), async (trx) => ({
		documents: await pageDocuments(trx, tenant.id, params),
		mayManage: can(permissions, 'documents.manage')
	}));
};

const NO_VALUES: Record<string, string> = {};
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

	delete: (event) =>
		tenantAction(event, documentIdSchema, async (trx, tenant, { input, values }) =>
			(await deleteDocument(trx, tenant.id, input.document))
				? { ok: 'Document deleted.' }
				: formError(404, 'No such document, or you may not delete it (documents.manage).', values)
		)
};
