import { error } from '@sveltejs/kit';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { checkObjectUrl } from '$lib/server/storage/embedded';
import type { StorageAdapter } from '$lib/server/storage/adapter';
import { servedAs, signingKey, storageAdapter } from '$lib/server/storage/service';
import { thumbnailOf } from '$lib/server/storage/thumbnails';
import type { RequestHandler } from './$types';

/** An image's thumbnail (a URL signed with `thumbnail=1`), made once per object and cached. */
async function thumbnail(adapter: StorageAdapter, bucket: string, path: string) {
	let refusal = 'This file is no longer stored.';
	const bytes = await thumbnailOf(`${bucket}/${path}`, async () => {
		const original = await adapter.get(bucket, path).catch(() => null);
		if (original && !servedAs(original, path).inline) {
			refusal = 'This file is not an image: it has no thumbnail.';
			return null;
		}
		return original;
	}).catch(() => {
		refusal = 'This image could not be read to make its thumbnail.';
		return null;
	});
	if (!bytes) error(404, refusal);
	return new Response(Buffer.from(bytes), {
		headers: {
			'content-type': 'image/webp',
			'content-length': String(bytes.byteLength),
			'content-disposition': 'inline',
			'x-content-type-options': 'nosniff',
			'cache-control': 'private, max-age=300',
			'content-security-policy': "default-src 'none'; sandbox"
		}
	});
}

export const GET: RequestHandler = async ({ params, url }) => {
	const { config } = await ensureRuntime();
	const adapter = storageAdapter(config);
	if (adapter.name !== 'embedded') error(404, 'Files are served by Supabase Storage here.');
	const check = checkObjectUrl(signingKey(config), params.bucket, params.path, url.searchParams);
	if (check === 'expired') error(410, 'This link has expired: open the file again from its page.');
	if (check !== 'valid') error(403, 'This link is not valid.');
	const name = params.path.split('/').pop() ?? 'file';
	if (url.searchParams.get('thumbnail') === '1')
		return thumbnail(adapter, params.bucket, params.path);
	const bytes = await adapter.get(params.bucket, params.path).catch(() => null);
	if (!bytes) error(404, 'This file is no longer stored.');
	const { contentType, inline } = servedAs(bytes, name);
	const download = url.searchParams.get('download');
	const disposition =
		inline && !download
			? 'inline'
			: `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(download ?? name)}`;
	return new Response(Buffer.from(bytes), {
		headers: {
			'content-type': contentType,
			'content-length': String(bytes.byteLength),
			'content-disposition': disposition,
			'x-content-type-options': 'nosniff',
			'cache-control': 'private, max-age=300',
			'content-security-policy': "default-src 'none'; sandbox"
		}
	});
};
