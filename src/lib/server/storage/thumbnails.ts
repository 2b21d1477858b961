/**
 * Thumbnails of image attachments (docs/storage.md): derived on request, never stored — an image
 * within THUMBNAIL_SIZE × THUMBNAIL_SIZE pixels, turned upright by its EXIF orientation, as WebP,
 * made with sharp (libvips). Object paths are never reused (a new upload has a new uuid), so a
 * thumbnail made once is kept in a small in-process cache under its bucket and path. On Supabase
 * Storage the same URL option asks Supabase's image transformation instead (`supabase.ts`).
 */
import sharp from 'sharp';
import { THUMBNAIL_SIZE } from './adapter';

/** An image past this many pixels is refused rather than decoded (a decompression bomb). */
const MAX_INPUT_PIXELS = 40_000_000;
/** The cache's bound on the thumbnails' bytes (about a thousand typical thumbnails). */
const CACHE_BYTES = 16 * 1024 * 1024;

const cache = new Map<string, Uint8Array>();
let cachedBytes = 0;

/** The thumbnail of an image's bytes; throws on bytes sharp cannot read as an image. */
export async function makeThumbnail(bytes: Uint8Array): Promise<Uint8Array> {
	const out = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, animated: false })
		.rotate()
		.resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
		.webp({ quality: 78 })
		.toBuffer();
	return new Uint8Array(out);
}

/** The thumbnail of one stored object, from the cache or made from `read()`'s bytes; null when none. */
export async function thumbnailOf(
	key: string,
	read: () => Promise<Uint8Array | null>
): Promise<Uint8Array | null> {
	const hit = cache.get(key);
	if (hit) {
		cache.delete(key);
		cache.set(key, hit);
		return hit;
	}
	const bytes = await read();
	if (!bytes) return null;
	const thumbnail = await makeThumbnail(bytes);
	cache.set(key, thumbnail);
	cachedBytes += thumbnail.byteLength;
	for (const [oldest, value] of cache) {
		if (cachedBytes <= CACHE_BYTES) break;
		cache.delete(oldest);
		cachedBytes -= value.byteLength;
	}
	return thumbnail;
}
