/**
 * Files on support tickets: one per message (a reply, an internal note) or on the opening, in the
 * support-attachments bucket through the storage module, the owner types of
 * 20261203000600_support.sql deciding who reads and adds them. The body is read with a cap after
 * the caller's permission is checked and before anything is parsed (payment proofs do the same);
 * the file's type is proven by its bytes before the transaction, so a refused file writes nothing.
 */
import { fail, type ActionFailure } from '@sveltejs/kit';
import type { Transaction } from 'kysely';
import type { DB } from '../platform/database';
import { ensureRuntime } from '../platform/runtime';
import { BodyTooLargeError, readFormDataCapped } from '../platform/web/body';
import type { FormFailure } from '../../forms/failure';
import { ATTACHMENT_MAX_BYTES } from '../../support/options';
import type { ListedAttachment } from '../../components/attachments/AttachmentList.svelte';
import { listAttachmentsWithUrls, storeUpload, type FileKind } from '../storage/service';
import { sniffAccepted } from '../storage/sniff';
import { describeKinds } from '../../storage/kinds';

export const SUPPORT_BUCKET = 'support-attachments';
export const SUPPORT_FILE_KINDS: FileKind[] = [
	'pdf',
	'png',
	'jpeg',
	'gif',
	'webp',
	'txt',
	'markdown',
	'csv',
	'zip',
	'docx',
	'xlsx',
	'pptx'
];
const ATTACHMENT_MAX_MB = `${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB`;
/** The file and the form's text fields. */
const BODY_LIMIT = ATTACHMENT_MAX_BYTES + 256 * 1024;

export type SupportOwner = 'support_ticket' | 'support_message';

export interface ReadUpload {
	/** The same form again, for the shared action wrappers to parse. */
	request: Request;
	/** The chosen file, null when none was chosen. */
	file: File | null;
}

/** The form of an upload action, read with the cap; a refusal (413, 400) names the file field. */
export async function readUploadForm(
	request: Request
): Promise<ReadUpload | ActionFailure<FormFailure>> {
	let data: FormData;
	try {
		data = await readFormDataCapped(request, BODY_LIMIT);
	} catch (e) {
		if (!(e instanceof BodyTooLargeError)) throw e;
		return fail(413, {
			errors: { file: [`The file is too large (at most ${ATTACHMENT_MAX_MB}).`] },
			values: {}
		});
	}
	const values: Record<string, string> = {};
	for (const [k, v] of data) if (typeof v === 'string') values[k] = v;
	const chosen = data.get('file');
	const file = chosen instanceof File && chosen.size > 0 ? chosen : null;
	if (file) {
		const problem =
			file.size > ATTACHMENT_MAX_BYTES
				? `The file is too large (at most ${ATTACHMENT_MAX_MB}).`
				: !sniffAccepted(new Uint8Array(await file.arrayBuffer()), file.name, SUPPORT_FILE_KINDS)
					? `Attach a ${describeKinds(SUPPORT_FILE_KINDS)} file: this one is not.`
					: null;
		if (problem) return fail(400, { errors: { file: [problem] }, values });
	}
	// The same headers (origin, accept, cookies) but the new body's own multipart boundary.
	const headers = new Headers(request.headers);
	headers.delete('content-type');
	headers.delete('content-length');
	return { request: new Request(request.url, { method: 'POST', headers, body: data }), file };
}

/** Stores the file as an attachment of a ticket or message, in the caller's transaction. */
export async function attachFile(
	trx: Transaction<DB>,
	owner: { tenantId: string; ownerType: SupportOwner; ownerId: string },
	file: File
): Promise<void> {
	const { config } = await ensureRuntime();
	await storeUpload(trx, config, {
		bucket: SUPPORT_BUCKET,
		...owner,
		file,
		accept: SUPPORT_FILE_KINDS,
		maxBytes: ATTACHMENT_MAX_BYTES
	});
}

/** The files of each owner the caller may read (RLS), with short-lived signed URLs, by owner id. */
export async function filesOf(
	trx: Transaction<DB>,
	tenantId: string,
	owners: { ownerType: SupportOwner; ownerId: string }[]
): Promise<Record<string, ListedAttachment[]>> {
	const { config } = await ensureRuntime();
	const byOwner: Record<string, ListedAttachment[]> = {};
	for (const owner of owners) {
		const files = await listAttachmentsWithUrls(trx, config, { tenantId, ...owner }, 900);
		if (files.length > 0) byOwner[owner.ownerId] = files;
	}
	return byOwner;
}
