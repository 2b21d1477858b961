/**
 * Storage for every upload (docs/storage.md): a file is proven by its first bytes, named safely,
 * kept within its size, and recorded as an attachment of its owner — in the caller's transaction,
 * under their claims, so the owner module's policies decide who may add, read and delete it and
 * the plan's storage limit refuses what does not fit (TN384).
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { sql, type Transaction } from 'kysely';
import { deriveKey, resolveAuthSecret } from '../auth/secret';
import { formatBytes } from '../../format/numbers';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import type { StorageAdapter } from './adapter';
import { embeddedStorage } from './embedded';
import { displayName, objectName } from './names';
import {
	CONTENT_TYPES,
	describeKinds,
	IMAGE_KINDS,
	sniff,
	sniffAccepted,
	type FileKind
} from './sniff';
import { supabaseStorage } from './supabase';
import type { ListedAttachment } from '../../components/attachments/AttachmentList.svelte';

export type { FileKind } from './sniff';

type StorageConfig = Pick<
	Config,
	| 'STORAGE_BACKEND'
	| 'SUPABASE_URL'
	| 'SUPABASE_SERVICE_ROLE_KEY'
	| 'DATA_DIR'
	| 'AUTH_JWT_SECRET'
	| 'NODE_ENV'
>;

/** The key of the embedded profile's signed URLs, derived from the auth secret. */
export function signingKey(config: StorageConfig): string {
	return deriveKey(resolveAuthSecret(config), 'storage-signed-urls');
}

const adapters = new Map<string, StorageAdapter>();

/** The process's adapter for the configuration: Supabase Storage, or the embedded one. */
export function storageAdapter(config: StorageConfig): StorageAdapter {
	const id = `${config.STORAGE_BACKEND}|${config.SUPABASE_URL}|${config.DATA_DIR}`;
	let adapter = adapters.get(id);
	if (!adapter) {
		adapter =
			config.STORAGE_BACKEND === 'supabase'
				? supabaseStorage(config.SUPABASE_URL ?? '', config.SUPABASE_SERVICE_ROLE_KEY ?? '')
				: embeddedStorage(
						config.DATA_DIR === 'memory://' ? null : join(dirname(config.DATA_DIR), 'storage'),
						signingKey(config)
					);
		adapters.set(id, adapter);
	}
	return adapter;
}

/** An upload refused before the database saw it: the sentence for the form's file field. */
export class UploadRefused extends Error {
	constructor(
		message: string,
		readonly status: 400 | 413 = 400
	) {
		super(message);
		this.name = 'UploadRefused';
	}
}

/** No attachment with that id that the caller may read. */
export class NoSuchAttachment extends Error {
	constructor() {
		super('No such file, or you may not see it.');
		this.name = 'NoSuchAttachment';
	}
}

export interface UploadInput {
	bucket: string;
	tenantId: string;
	ownerType: string;
	ownerId: string;
	file: File;
	accept: readonly FileKind[];
	maxBytes: number;
}

export interface StoredUpload {
	attachmentId: string;
	objectPath: string;
	contentType: string;
	byteSize: number;
	kind: FileKind;
	fileName: string;
}

/**
 * Checks and stores one upload as an attachment of its owner, in `trx` (the caller's
 * transaction). Throws UploadRefused for a missing, empty, oversized or unaccepted file (nothing
 * written); database refusals (RLS, TN380–TN389) pass through for `refusalFor`. The bytes are
 * written last, so a refusal leaves none; bytes of a transaction that fails later are removed by
 * the storage.sweep job.
 */
export async function storeUpload(
	trx: Transaction<DB>,
	config: StorageConfig,
	input: UploadInput
): Promise<StoredUpload> {
	const { file, accept, maxBytes } = input;
	const kinds = describeKinds(accept);
	if (!(file instanceof File) || file.size === 0)
		throw new UploadRefused(`Attach a ${kinds} file.`);
	if (file.size > maxBytes) {
		throw new UploadRefused(`The file is too large (at most ${formatBytes(maxBytes)}).`, 413);
	}
	const bytes = new Uint8Array(await file.arrayBuffer());
	const fileName = displayName(file.name);
	const kind = sniffAccepted(bytes, fileName, accept);
	if (!kind) throw new UploadRefused(`Attach a ${kinds} file.`);
	const contentType = CONTENT_TYPES[kind];
	const objectPath = [
		input.tenantId,
		input.ownerType,
		input.ownerId,
		randomUUID(),
		objectName(fileName, kind)
	].join('/');
	const adapter = storageAdapter(config);

	if (adapter.writesObjectRows) {
		await adapter.put(input.bucket, objectPath, bytes, contentType);
	} else {
		await sql`insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
			values (${input.bucket}, ${objectPath}, auth.uid(), auth.uid()::text,
				${JSON.stringify({ mimetype: contentType, size: bytes.byteLength })}::jsonb)`.execute(trx);
	}
	const row = await trx
		.insertInto('attachments')
		.values({
			tenant_id: input.tenantId,
			bucket: input.bucket,
			object_path: objectPath,
			owner_type: input.ownerType,
			owner_id: input.ownerId,
			file_name: fileName,
			content_type: contentType,
			byte_size: bytes.byteLength
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	if (!adapter.writesObjectRows) await adapter.put(input.bucket, objectPath, bytes, contentType);
	return {
		attachmentId: row.id,
		objectPath,
		contentType,
		byteSize: bytes.byteLength,
		kind,
		fileName
	};
}

export interface Attachment {
	id: string;
	bucket: string;
	objectPath: string;
	fileName: string;
	contentType: string;
	byteSize: number;
	createdBy: string | null;
	createdByName: string | null;
	createdAt: Date;
	/** An image the page may show inline. */
	isImage: boolean;
}

const IMAGE_TYPES = new Set(IMAGE_KINDS.map((k) => CONTENT_TYPES[k]));

function attachments(trx: Transaction<DB>) {
	return trx
		.selectFrom('attachments as a')
		.leftJoin('profiles as p', 'p.id', 'a.created_by')
		.select([
			'a.id',
			'a.bucket',
			'a.object_path as objectPath',
			'a.file_name as fileName',
			'a.content_type as contentType',
			sql<number>`a.byte_size::float8`.as('byteSize'),
			'a.created_by as createdBy',
			'p.full_name as createdByName',
			'a.created_at as createdAt'
		]);
}

const withImage = <T extends { contentType: string }>(row: T) => ({
	...row,
	isImage: IMAGE_TYPES.has(row.contentType)
});

/** An owner's attachments the caller may read, oldest first. */
export async function listAttachments(
	trx: Transaction<DB>,
	owner: { tenantId: string; ownerType: string; ownerId: string }
): Promise<Attachment[]> {
	const rows = await attachments(trx)
		.where('a.tenant_id', '=', owner.tenantId)
		.where('a.owner_type', '=', owner.ownerType)
		.where('a.owner_id', '=', owner.ownerId)
		.orderBy('a.created_at')
		.orderBy('a.id')
		.execute();
	return rows.map(withImage);
}

/** One attachment the caller may read, by id; null otherwise. */
export async function getAttachment(
	trx: Transaction<DB>,
	attachmentId: string
): Promise<Attachment | null> {
	const row = await attachments(trx).where('a.id', '=', attachmentId).executeTakeFirst();
	return row ? withImage(row) : null;
}

/** One attachment by its object, for a module that records the path (payment proofs). */
export async function getAttachmentByPath(
	trx: Transaction<DB>,
	bucket: string,
	objectPath: string
): Promise<Attachment | null> {
	const row = await attachments(trx)
		.where('a.bucket', '=', bucket)
		.where('a.object_path', '=', objectPath)
		.executeTakeFirst();
	return row ? withImage(row) : null;
}

/**
 * A URL serving the attachment for `expiresInSeconds` (default 5 minutes) — only when the caller
 * may read it (NoSuchAttachment otherwise). Images are shown inline, everything else downloads
 * under its object's name (safe characters, the extension of the type its bytes proved).
 */
export async function signedUrl(
	trx: Transaction<DB>,
	config: StorageConfig,
	input: { attachmentId: string; expiresInSeconds?: number; thumbnail?: boolean }
): Promise<string> {
	const attachment = await getAttachment(trx, input.attachmentId);
	if (!attachment) throw new NoSuchAttachment();
	return signedUrlOf(config, attachment, input.expiresInSeconds ?? 300, input.thumbnail === true);
}

function signedUrlOf(
	config: StorageConfig,
	attachment: Attachment,
	expiresInSeconds: number,
	thumbnail: boolean
): Promise<string> {
	if (thumbnail && !attachment.isImage) throw new NoSuchAttachment();
	return storageAdapter(config).signedUrl(
		attachment.bucket,
		attachment.objectPath,
		expiresInSeconds,
		attachment.isImage ? { thumbnail } : { download: attachment.objectPath.split('/').pop() }
	);
}

/**
 * An owner's attachments the caller may read as the shared list shows them (AttachmentList.svelte):
 * each with its signed URL and, for an image, its thumbnail's; oldest first.
 */
export async function listAttachmentsWithUrls(
	trx: Transaction<DB>,
	config: StorageConfig,
	owner: { tenantId: string; ownerType: string; ownerId: string },
	expiresInSeconds = 300
): Promise<ListedAttachment[]> {
	const files = await listAttachments(trx, owner);
	return Promise.all(
		files.map(async (f) => ({
			id: f.id,
			fileName: f.fileName,
			byteSize: f.byteSize,
			createdAt: f.createdAt,
			createdByName: f.createdByName,
			isImage: f.isImage,
			url: await signedUrlOf(config, f, expiresInSeconds, false),
			thumbnailUrl: f.isImage ? await signedUrlOf(config, f, expiresInSeconds, true) : null
		}))
	);
}

/** Deletes one attachment the caller may delete (its bytes go with the next sweep); false if none. */
export async function deleteAttachment(
	trx: Transaction<DB>,
	input: { attachmentId: string; tenantId: string }
): Promise<boolean> {
	const result = await trx
		.deleteFrom('attachments')
		.where('id', '=', input.attachmentId)
		.where('tenant_id', '=', input.tenantId)
		.executeTakeFirst();
	return Number(result.numDeletedRows) > 0;
}

/**
 * Deletes every attachment of an owner the caller may delete, for an owner deleted by app code
 * (an owner deleted in SQL calls private.delete_owner_attachments from its trigger). Returns how
 * many; their bytes go with the next sweep.
 */
export async function deleteOwnerFiles(
	trx: Transaction<DB>,
	owner: { tenantId: string; ownerType: string; ownerId: string }
): Promise<number> {
	const result = await trx
		.deleteFrom('attachments')
		.where('tenant_id', '=', owner.tenantId)
		.where('owner_type', '=', owner.ownerType)
		.where('owner_id', '=', owner.ownerId)
		.executeTakeFirst();
	return Number(result.numDeletedRows);
}

/** How a served object's bytes are labelled: the proven type, inline for images only. */
export function servedAs(
	bytes: Uint8Array,
	fileName: string
): { contentType: string; inline: boolean } {
	const kind = sniff(bytes, fileName);
	if (!kind) return { contentType: 'application/octet-stream', inline: false };
	return { contentType: CONTENT_TYPES[kind], inline: IMAGE_KINDS.includes(kind) };
}
