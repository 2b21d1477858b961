/**
 * Where the bytes of storage objects live. The database holds what an object is and who may read
 * it (storage.objects, public.attachments and their policies); an adapter only moves bytes:
 *
 * - embedded (`embedded.ts`): files under `<parent of DATA_DIR>/storage/<bucket>/<path>`, or in
 *   memory with DATA_DIR=memory://; served by the app's /files route through signed, expiring URLs.
 *   The app writes the storage.objects row itself, in the caller's transaction.
 * - supabase (`supabase.ts`): Supabase Storage's REST API, which writes the storage.objects row
 *   and serves its own signed URLs.
 */

/** The edge, in pixels, an image's thumbnail fits within (thumbnails.ts; Supabase's transform). */
export const THUMBNAIL_SIZE = 320;

export interface SignedUrlOptions {
	/** Served as a download (Content-Disposition: attachment) under this name; unset: inline. */
	download?: string;
	/** An image's thumbnail instead of its bytes (thumbnails.ts: within 320 × 320 px). */
	thumbnail?: boolean;
}

export interface StorageAdapter {
	/** The adapter's name, for logs and docs. */
	readonly name: 'embedded' | 'supabase';
	/** True when the storage service writes storage.objects rows (Supabase); false: the app does. */
	readonly writesObjectRows: boolean;
	put(bucket: string, path: string, bytes: Uint8Array, contentType: string): Promise<void>;
	/** The object's bytes, or null when there is none. */
	get(bucket: string, path: string): Promise<Uint8Array | null>;
	/** Removes the objects; a path that is already gone is not an error. */
	remove(bucket: string, paths: string[]): Promise<void>;
	/** A URL that serves the object until `expiresInSeconds` from now, to whoever holds it. */
	signedUrl(
		bucket: string,
		path: string,
		expiresInSeconds: number,
		options?: SignedUrlOptions
	): Promise<string>;
	/**
	 * Objects whose bytes were written more than `olderThanMs` ago, for the sweep to compare with
	 * storage.objects (bytes without a row are an upload whose transaction failed). Supabase
	 * writes the row with the bytes, so it has none to offer.
	 */
	written?(olderThanMs: number): AsyncIterable<{ bucket: string; path: string }>;
}

/** An object path the adapters accept: segments of safe characters, no `.`/`..`, no empty segment. */
export function assertObjectPath(bucket: string, path: string): void {
	const segment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
	if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(bucket))
		throw new Error(`"${bucket}" is not a bucket name`);
	const parts = path.split('/');
	if (path.length > 500 || !parts.every((p) => segment.test(p) && p !== '.' && p !== '..')) {
		throw new Error(`"${path}" is not a storage object path`);
	}
}
