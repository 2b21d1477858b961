import { error } from '@sveltejs/kit';
import { ensureRuntime } from '$lib/server/platform/runtime';
import { checkObjectUrl } from '$lib/server/storage/embedded';
import { servedAs, signingKey, storageAdapter } from '$lib/server/storage/service';
import type { RequestHandler } from './$types';

/**
 * The embedded profile's signed URLs (docs/storage.md): the signature over bucket, path, expiry
 * and download name is the permission — the app made it for someone the policies let read the
 * file. The bytes are served with the type they prove, never sniffed by the browser, inline for
 * images and as a download for everything else. With Supabase Storage, URLs point there instead.
 */
export const GET: RequestHandler = async ({ params, url }) => {
	const { config } = await ensureRuntime();
	const adapter = storageAdapter(config);
	if (adapter.name !== 'embedded') error(404, 'Files are served by Supabase Storage here.');
	const check = checkObjectUrl(signingKey(config), params.bucket, params.path, url.searchParams);
	if (check === 'expired') error(410, 'This link has expired: open the file again from its page.');
	if (check !== 'valid') error(403, 'This link is not valid.');
	const bytes = await adapter.get(params.bucket, params.path).catch(() => null);
	if (!bytes) error(404, 'This file is no longer stored.');
	const name = params.path.split('/').pop() ?? 'file';
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
