/**
 * The subject-access archive (docs/privacy.md, migration 20261206000500_governance_more.sql):
 *
 * - `privacy.export` (job queue, queued when an access request moves to in progress): a zip of
 *   private.subject_export — one JSON file per module, a CSV beside each list of flat records —
 *   and the person's files, sealed with AES-256-GCM under a fresh data key that the
 *   key-encryption key wraps (docs/secrets.md), stored in the private bucket privacy-exports.
 *   SQL records it, completes the request and emails the one-time link.
 * - `claimExport`: the person's download, admitted once by public.claim_gdpr_export and opened
 *   in the same transaction (a download that fails leaves the link unused).
 * - `privacy.export_purge` (job queue: at expiry, and soon after the download): removes the object
 *   and forgets the wrapped key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import {
	generateDataKey,
	unwrapDataKey,
	wrapDataKey
} from '../../../../supabase/functions/_shared/secret-box';
import type { DB } from '../platform/database';
import { secretsKey } from '../platform/secrets';
import { keyEncryptionKeys } from '../secrets/envelope';
import { storageAdapter } from '../storage/service';
import { registerQueue } from '../queue/registry';

export const EXPORT_BUCKET = 'privacy-exports';
const SEALED_TYPE = 'application/octet-stream';

type ExportConfig = Parameters<typeof storageAdapter>[0] & Parameters<typeof keyEncryptionKeys>[0];

const keyContext = (requestId: string) => `gdpr_exports:${requestId}:key`;
const archiveContext = (requestId: string) => `gdpr_exports:${requestId}:archive`;

/** iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes), bound to the request by the associated data. */
export function sealArchive(bytes: Uint8Array, dataKey: Uint8Array, requestId: string): Uint8Array {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
	cipher.setAAD(Buffer.from(archiveContext(requestId)));
	return Buffer.concat([iv, cipher.update(bytes), cipher.final(), cipher.getAuthTag()]);
}

export function openArchive(
	sealed: Uint8Array,
	dataKey: Uint8Array,
	requestId: string
): Uint8Array {
	const buffer = Buffer.from(sealed);
	const decipher = createDecipheriv('aes-256-gcm', dataKey, buffer.subarray(0, 12));
	decipher.setAAD(Buffer.from(archiveContext(requestId)));
	decipher.setAuthTag(buffer.subarray(buffer.length - 16));
	return Buffer.concat([
		decipher.update(buffer.subarray(12, buffer.length - 16)),
		decipher.final()
	]);
}

function csvCell(value: unknown): string {
	const text =
		value === null || value === undefined
			? ''
			: typeof value === 'object'
				? JSON.stringify(value)
				: String(value);
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A list of records as CSV (the union of their keys as the header); null when it is not one. */
export function toCsv(value: unknown): string | null {
	if (!Array.isArray(value) || value.length === 0) return null;
	if (!value.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row)))
		return null;
	const columns = [...new Set(value.flatMap((row) => Object.keys(row as object)))];
	const lines = [columns.map(csvCell).join(',')];
	for (const row of value as Record<string, unknown>[])
		lines.push(columns.map((c) => csvCell(row[c])).join(','));
	return lines.join('\r\n') + '\r\n';
}

export interface ArchiveFile {
	/** The path inside the archive, under files/. */
	name: string;
	bytes: Uint8Array;
}

/** The archive: README.txt, export.json, <module>.json (+ .csv) and files/. */
export function buildArchive(
	exported: Record<string, unknown>,
	files: ArchiveFile[],
	generatedAt: Date
): Uint8Array {
	const entries: Zippable = {
		'README.txt': strToU8(
			[
				'Your data, as kept by Tenantry on ' + generatedAt.toISOString() + '.',
				'',
				'export.json holds everything; each <module>.json holds one part, with a CSV beside it',
				'where the part is a list of records. files/ holds the files you uploaded.',
				''
			].join('\r\n')
		),
		'export.json': strToU8(JSON.stringify(exported, null, 2))
	};
	for (const [module, value] of Object.entries(exported)) {
		entries[`${module}.json`] = strToU8(JSON.stringify(value ?? null, null, 2));
		const csv = toCsv(value);
		if (csv !== null) entries[`${module}.csv`] = strToU8(csv);
	}
	for (const file of files) entries[file.name] = [file.bytes, { level: 0 }];
	return zipSync(entries, { level: 6, mtime: generatedAt });
}

const sourceSchema = z.object({
	subject_user_id: z.uuid(),
	tenant_id: z.uuid().nullable(),
	export: z.record(z.string(), z.unknown()),
	files: z.array(
		z.object({
			bucket: z.string(),
			object_path: z.string(),
			file_name: z.string(),
			tenant_id: z.uuid(),
			owner_type: z.string()
		})
	)
});

/** A file's place in the archive: files/<owner type>/<n>-<its name>, names kept unique. */
function archiveName(index: number, ownerType: string, fileName: string): string {
	const safe = fileName.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 120) || 'file';
	return `files/${ownerType}/${String(index + 1).padStart(3, '0')}-${safe}`;
}

/**
 * Builds, seals, stores and records the archive of an access request; returns what it did, or
 * `skipped` when the request is no longer in progress or its archive exists (the job ran before).
 */
export async function exportRequest(
	asSystem: <T>(fn: (trx: Transaction<DB>) => Promise<T>) => Promise<T>,
	config: ExportConfig,
	requestId: string
): Promise<{ skipped: true } | { bytes: number; files: number; objectPath: string }> {
	const adapter = storageAdapter(config);
	const raw = await asSystem(async (trx) => {
		const { rows } = await sql<{
			source: unknown;
		}>`select private.gdpr_export_source(${requestId}::uuid) as source`.execute(trx);
		return rows[0]?.source ?? null;
	});
	if (raw === null) return { skipped: true };
	const source = sourceSchema.parse(raw);
	const files: ArchiveFile[] = [];
	for (const [i, file] of source.files.entries()) {
		const bytes = await adapter.get(file.bucket, file.object_path);
		if (bytes) files.push({ name: archiveName(i, file.owner_type, file.file_name), bytes });
	}
	const archive = buildArchive(source.export, files, new Date());
	const dataKey = generateDataKey();
	const wrappedKey = await wrapDataKey(dataKey, secretsKey(config), keyContext(requestId));
	const sealed = sealArchive(archive, dataKey, requestId);
	dataKey.fill(0);
	const objectPath = `${requestId}/${randomUUID()}.zip.enc`;
	const digest = createHash('sha256').update(archive).digest('hex');
	await asSystem(async (trx) => {
		if (!adapter.writesObjectRows) {
			await sql`insert into storage.objects (bucket_id, name, metadata)
				values (${EXPORT_BUCKET}, ${objectPath},
				        ${JSON.stringify({ mimetype: SEALED_TYPE, size: sealed.byteLength })}::jsonb)`.execute(trx);
		}
		await adapter.put(EXPORT_BUCKET, objectPath, sealed, SEALED_TYPE);
		await sql`select private.record_gdpr_export(${requestId}::uuid, ${objectPath}, ${archive.byteLength},
			${digest}, ${files.length}, ${wrappedKey})`.execute(trx);
	});
	return { bytes: archive.byteLength, files: files.length, objectPath };
}

/** Why a download was refused, for the page: TN494 not valid, TN495 used, TN496 expired. */
export class ExportRefused extends Error {
	constructor(
		readonly code: 'TN494' | 'TN495' | 'TN496',
		message: string
	) {
		super(message);
	}
}

/**
 * The person's download, in their request transaction: claim_gdpr_export admits the token once
 * (RLS-free, by the token's hash and auth.uid()), then the archive is read and opened. Throws
 * ExportRefused for a refused link; anything else rolls the claim back.
 */
export async function claimExport(
	trx: Transaction<DB>,
	config: ExportConfig,
	token: string
): Promise<{ requestId: string; bytes: Uint8Array }> {
	let claimed;
	try {
		const { rows } = await sql<{
			request_id: string;
			object_path: string;
			wrapped_key: string;
			sha256: string;
		}>`select * from public.claim_gdpr_export(${token})`.execute(trx);
		claimed = rows[0]!;
	} catch (e) {
		const code = (e as { code?: string }).code;
		if (code === 'TN494' || code === 'TN495' || code === 'TN496')
			throw new ExportRefused(code, (e as Error).message);
		throw e;
	}
	const sealed = await storageAdapter(config).get(EXPORT_BUCKET, claimed.object_path);
	if (!sealed) throw new Error(`The archive ${claimed.object_path} is missing from storage.`);
	const dataKey = await unwrapDataKey(
		claimed.wrapped_key,
		keyEncryptionKeys(config),
		keyContext(claimed.request_id)
	);
	const bytes = openArchive(sealed, dataKey, claimed.request_id);
	dataKey.fill(0);
	if (createHash('sha256').update(bytes).digest('hex') !== claimed.sha256) {
		throw new Error('The archive does not match what was recorded.');
	}
	return { requestId: claimed.request_id, bytes };
}

/** Deletes a downloaded or expired archive's object and key; false when there is nothing to purge yet. */
export async function purgeExport(
	asSystem: <T>(fn: (trx: Transaction<DB>) => Promise<T>) => Promise<T>,
	config: ExportConfig,
	requestId: string
): Promise<boolean> {
	const adapter = storageAdapter(config);
	return asSystem(async (trx) => {
		const { rows } = await sql<{
			path: string | null;
		}>`select private.purge_gdpr_export(${requestId}::uuid) as path`.execute(trx);
		const path = rows[0]?.path;
		if (!path) return false;
		if (!adapter.writesObjectRows) {
			await sql`delete from storage.objects where bucket_id = ${EXPORT_BUCKET} and name = ${path}`.execute(
				trx
			);
		}
		await adapter.remove(EXPORT_BUCKET, [path]);
		return true;
	});
}

const requestPayload = z.object({ request_id: z.uuid() });

registerQueue({
	name: 'privacy.export',
	job: 'privacy.export',
	leaseSeconds: 300,
	payload: requestPayload,
	handle: (job, ctx) =>
		exportRequest((fn) => ctx.asSystem('privacy.export', fn), ctx.config, job.payload.request_id)
});

registerQueue({
	name: 'privacy.export_purge',
	job: 'privacy.export_purge',
	payload: requestPayload,
	async handle(job, ctx) {
		const purged = await purgeExport(
			(fn) => ctx.asSystem('privacy.export_purge', fn),
			ctx.config,
			job.payload.request_id
		);
		return { purged };
	}
});
