/**
 * Supabase Storage through its REST API (what @supabase/storage-js calls), with the project's
 * service-role key: the app has already decided, under the caller's claims, that they may do what
 * it asks (the attachments policies), and Supabase Storage writes the storage.objects row.
 *
 *   upload          POST   /storage/v1/object/<bucket>/<path>        body: the bytes
 *   download        GET    /storage/v1/object/authenticated/<bucket>/<path>
 *   createSignedUrl POST   /storage/v1/object/sign/<bucket>/<path>   {"expiresIn", "transform"?} → {"signedURL"}
 *                   (with a transform, signedURL is /render/image/sign/…: Supabase's image transformation)
 *   remove          DELETE /storage/v1/object/<bucket>               {"prefixes": [...]}
 */
import { assertObjectPath, THUMBNAIL_SIZE, type StorageAdapter } from './adapter';

export class SupabaseStorageError extends Error {
	constructor(
		readonly operation: string,
		readonly status: number,
		detail: string
	) {
		super(`Supabase Storage ${operation} answered ${status}: ${detail.slice(0, 300)}`);
	}
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** A missing object: storage-api answers 404, or (older versions) 400 with statusCode "404". */
async function isNotFound(res: Response): Promise<boolean> {
	if (res.status === 404) return true;
	if (res.status !== 400) return false;
	const body = (await res.json().catch(() => null)) as { statusCode?: string } | null;
	return body?.statusCode === '404';
}

export function supabaseStorage(
	supabaseUrl: string,
	serviceRoleKey: string,
	fetcher: typeof fetch = fetch
): StorageAdapter {
	const base = `${supabaseUrl.replace(/\/+$/, '')}/storage/v1`;
	const headers = { apikey: serviceRoleKey, authorization: `Bearer ${serviceRoleKey}` };
	const fail = async (operation: string, res: Response) =>
		new SupabaseStorageError(operation, res.status, await res.text().catch(() => ''));
	return {
		name: 'supabase',
		writesObjectRows: true,
		async put(bucket, path, bytes, contentType) {
			assertObjectPath(bucket, path);
			const res = await fetcher(`${base}/object/${bucket}/${encodePath(path)}`, {
				method: 'POST',
				headers: {
					...headers,
					'content-type': contentType,
					'cache-control': 'max-age=3600',
					'x-upsert': 'false'
				},
				body: Buffer.from(bytes)
			});
			if (!res.ok) throw await fail('upload', res);
		},
		async get(bucket, path) {
			assertObjectPath(bucket, path);
			const res = await fetcher(`${base}/object/authenticated/${bucket}/${encodePath(path)}`, {
				headers
			});
			if (res.ok) return new Uint8Array(await res.arrayBuffer());
			if (await isNotFound(res)) return null;
			throw await fail('download', res);
		},
		async remove(bucket, paths) {
			if (paths.length === 0) return;
			for (const path of paths) assertObjectPath(bucket, path);
			const res = await fetcher(`${base}/object/${bucket}`, {
				method: 'DELETE',
				headers: { ...headers, 'content-type': 'application/json' },
				body: JSON.stringify({ prefixes: paths })
			});
			if (!res.ok) throw await fail('remove', res);
		},
		async signedUrl(bucket, path, expiresInSeconds, options = {}) {
			assertObjectPath(bucket, path);
			const res = await fetcher(`${base}/object/sign/${bucket}/${encodePath(path)}`, {
				method: 'POST',
				headers: { ...headers, 'content-type': 'application/json' },
				// A thumbnail is Supabase's image transformation (signedURL /render/image/sign/…).
				body: JSON.stringify({
					expiresIn: expiresInSeconds,
					...(options.thumbnail
						? { transform: { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, resize: 'contain' } }
						: {})
				})
			});
			if (!res.ok) throw await fail('createSignedUrl', res);
			const { signedURL } = (await res.json()) as { signedURL?: string };
			if (!signedURL) throw new SupabaseStorageError('createSignedUrl', res.status, 'no signedURL');
			const download = options.download ? `&download=${encodeURIComponent(options.download)}` : '';
			return `${base}${signedURL}${download}`;
		}
	};
}
