/**
 * The embedded profile's storage: bytes on disk under the data directory (or in memory), and
 * signed URLs the app's /files route checks — an HMAC-SHA256 over the bucket, the path and the
 * expiry, with a key derived from the auth secret, compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { assertObjectPath, type SignedUrlOptions, type StorageAdapter } from './adapter';

/** The route the embedded profile serves objects from (src/routes/files/[bucket]/[...path]). */
export const FILES_ROUTE = '/files';

/** The signed text: bucket, path, expiry, download name, and for a thumbnail's URL a last line. */
function signature(
	key: string,
	bucket: string,
	path: string,
	expires: number,
	download: string,
	thumbnail: boolean
) {
	const signed = `${bucket}\n${path}\n${expires}\n${download}${thumbnail ? '\nthumbnail' : ''}`;
	return createHmac('sha256', key).update(signed).digest('base64url');
}

/**
 * The query of a signed URL: when it expires (Unix seconds), the download name, `thumbnail=1` for
 * an image's thumbnail, the signature.
 */
export function signObjectUrl(
	key: string,
	bucket: string,
	path: string,
	expires: number,
	options: SignedUrlOptions = {}
): string {
	const query = new URLSearchParams({ expires: String(expires) });
	if (options.download) query.set('download', options.download);
	if (options.thumbnail) query.set('thumbnail', '1');
	query.set(
		'signature',
		signature(key, bucket, path, expires, options.download ?? '', options.thumbnail === true)
	);
	return `${FILES_ROUTE}/${bucket}/${path}?${query}`;
}

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

/** Whether a signed URL's query is genuine and unexpired at `now` (ms). */
export function checkObjectUrl(
	key: string,
	bucket: string,
	path: string,
	query: URLSearchParams,
	now = Date.now()
): SignatureCheck {
	const expires = Number(query.get('expires'));
	const given = Buffer.from(query.get('signature') ?? '', 'utf8');
	const expected = Buffer.from(
		signature(
			key,
			bucket,
			path,
			expires,
			query.get('download') ?? '',
			query.get('thumbnail') === '1'
		),
		'utf8'
	);
	if (!Number.isSafeInteger(expires) || given.length !== expected.length) return 'invalid';
	if (!timingSafeEqual(given, expected)) return 'invalid';
	return expires * 1000 < now ? 'expired' : 'valid';
}

interface Bytes {
	put(key: string, bytes: Uint8Array): Promise<void>;
	get(key: string): Promise<Uint8Array | null>;
	remove(key: string): Promise<void>;
	written(olderThanMs: number): AsyncIterable<string>;
}

function memoryBytes(): Bytes {
	const files = new Map<string, { bytes: Uint8Array; at: number }>();
	return {
		async put(key, bytes) {
			if (files.has(key)) throw new Error(`${key} exists already`);
			files.set(key, { bytes, at: Date.now() });
		},
		async get(key) {
			return files.get(key)?.bytes ?? null;
		},
		async remove(key) {
			files.delete(key);
		},
		async *written(olderThanMs) {
			const before = Date.now() - olderThanMs;
			for (const [key, file] of files) if (file.at <= before) yield key;
		}
	};
}

function diskBytes(root: string): Bytes {
	const base = resolve(root);
	const inside = (key: string) => {
		const full = resolve(base, key);
		if (!full.startsWith(base + sep)) throw new Error(`${key} is outside the storage directory`);
		return full;
	};
	async function* walk(dir: string): AsyncIterable<string> {
		const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
		for (const entry of entries) {
			const full = join(dir, entry.name);
			if (entry.isDirectory()) yield* walk(full);
			else if (entry.isFile()) yield full;
		}
	}
	return {
		async put(key, bytes) {
			const full = inside(key);
			await mkdir(dirname(full), { recursive: true });
			await writeFile(full, bytes, { mode: 0o600, flag: 'wx' });
		},
		async get(key) {
			return readFile(inside(key)).then(
				(b) => new Uint8Array(b),
				() => null
			);
		},
		async remove(key) {
			await rm(inside(key), { force: true });
		},
		async *written(olderThanMs) {
			const before = Date.now() - olderThanMs;
			for await (const full of walk(base)) {
				const info = await stat(full).catch(() => null);
				if (info && info.mtimeMs <= before) yield relative(base, full).split(sep).join('/');
			}
		}
	};
}

/**
 * The embedded adapter: `root` a directory, or null for memory; `key` signs URLs. Keys are
 * `<bucket>/<path>`.
 */
export function embeddedStorage(root: string | null, key: string): StorageAdapter {
	const bytes = root === null ? memoryBytes() : diskBytes(root);
	return {
		name: 'embedded',
		writesObjectRows: false,
		async put(bucket, path, data) {
			assertObjectPath(bucket, path);
			await bytes.put(`${bucket}/${path}`, data);
		},
		async get(bucket, path) {
			assertObjectPath(bucket, path);
			return bytes.get(`${bucket}/${path}`);
		},
		async remove(bucket, paths) {
			for (const path of paths) {
				assertObjectPath(bucket, path);
				await bytes.remove(`${bucket}/${path}`);
			}
		},
		async signedUrl(bucket, path, expiresInSeconds, options) {
			assertObjectPath(bucket, path);
			const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
			return signObjectUrl(key, bucket, path, expires, options);
		},
		async *written(olderThanMs) {
			for await (const entry of bytes.written(olderThanMs)) {
				const slash = entry.indexOf('/');
				if (slash > 0) yield { bucket: entry.slice(0, slash), path: entry.slice(slash + 1) };
			}
		}
	};
}
