/**
 * A task's files (storage module, owner type `task`: read with tasks.read, added and deleted with
 * tasks.write, gone with the task — 20261203000700_tasks.sql). Uploads are stored by
 * storage/service.ts in the caller's transaction, so the policies decide.
 */
import type { Transaction } from 'kysely';
import type { ListedAttachment } from '../../components/attachments/AttachmentList.svelte';
import { TASK_FILE_KINDS, TASK_FILE_MAX_BYTES } from '../../tasks/constants';
import type { DB } from '../platform/database';
import type { Config } from '../platform/config';
import { deleteAttachment, listAttachmentsWithUrls, storeUpload } from '../storage/service';

export const TASK_BUCKET = 'task-attachments';
/** The upload body's limit, checked before it is read: the file and the form's few fields. */
export const TASK_UPLOAD_BODY_MAX_BYTES = TASK_FILE_MAX_BYTES + 64 * 1024;

export function listTaskFiles(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	taskId: string
): Promise<ListedAttachment[]> {
	return listAttachmentsWithUrls(trx, config, { tenantId, ownerType: 'task', ownerId: taskId });
}

export function attachTaskFile(
	trx: Transaction<DB>,
	config: Config,
	tenantId: string,
	taskId: string,
	file: File
) {
	return storeUpload(trx, config, {
		bucket: TASK_BUCKET,
		tenantId,
		ownerType: 'task',
		ownerId: taskId,
		file,
		accept: TASK_FILE_KINDS,
		maxBytes: TASK_FILE_MAX_BYTES
	});
}

export function deleteTaskFile(trx: Transaction<DB>, tenantId: string, attachmentId: string) {
	return deleteAttachment(trx, { attachmentId, tenantId });
}
