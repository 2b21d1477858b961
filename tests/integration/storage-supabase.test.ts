/**
 * The Supabase Storage adapter against a faithful local fake of storage-api's endpoints
 * (tests/support/storage-fake.ts): upload, download, signed URLs that serve until they expire and
 * download under a name, a thumbnail through storage-api's image transformation, removal, and storage-api's refusals turned into errors that say so.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supabaseStorage, SupabaseStorageError } from '../../src/lib/server/storage/supabase';
import { startStorageFake, type StorageFake } from '../support/storage-fake';

const PATH =
	'b0000000-0000-4000-8000-000000000001/ticket/c0000000-0000-4000-8000-000000000001/d0000000-0000-4000-8000-000000000001/report.pdf';
const PDF = new TextEncoder().encode('%PDF-1.4\n% report\n');

describe('the Supabase Storage adapter', () => {
	let fake: StorageFake;
	beforeAll(async () => {
		fake = await startStorageFake();
	});
	afterAll(() => fake?.close());

	it('uploads, downloads and removes through storage-api with the service key', async () => {
		const storage = supabaseStorage(fake.url, fake.serviceKey);
		expect(storage.writesObjectRows).toBe(true);
		await storage.put('support-attachments', PATH, PDF, 'application/pdf');
		expect(fake.objects.get(`support-attachments/${PATH}`)?.contentType).toBe('application/pdf');
		expect(await storage.get('support-attachments', PATH)).toEqual(PDF);
		await expect(storage.put('support-attachments', PATH, PDF, 'application/pdf')).rejects.toThrow(
			/upload answered 400: .*Duplicate/
		);
		await storage.remove('support-attachments', [PATH]);
		expect(await storage.get('support-attachments', PATH)).toBe(null);
		expect(fake.requests).toContain(`POST /storage/v1/object/support-attachments/${PATH}`);
		expect(fake.requests).toContain('DELETE /storage/v1/object/support-attachments');
	});

	it('signs URLs that serve the object, as a download when asked, until they expire', async () => {
		const storage = supabaseStorage(`${fake.url}/`, fake.serviceKey);
		await storage.put('support-attachments', PATH, PDF, 'application/pdf');
		const url = await storage.signedUrl('support-attachments', PATH, 60, {
			download: 'report.pdf'
		});
		expect(url.startsWith(`${fake.url}/storage/v1/object/sign/support-attachments/`)).toBe(true);
		const res = await fetch(url);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="report.pdf"');
		expect(new Uint8Array(await res.arrayBuffer())).toEqual(PDF);

		const tampered = url.replace(/token=[^&]+/, (t) => `${t.slice(0, -2)}xx`);
		expect((await fetch(tampered)).status).toBe(400);
		const short = await storage.signedUrl('support-attachments', PATH, 1);
		await new Promise((r) => setTimeout(r, 2100));
		const expired = await fetch(short);
		expect(expired.status).toBe(400);
		expect(await expired.text()).toContain('exp');
	});

	it('asks storage-api’s image transformation for a thumbnail', async () => {
		const storage = supabaseStorage(fake.url, fake.serviceKey);
		const photo = await sharp({
			create: { width: 1000, height: 500, channels: 3, background: '#cc3366' }
		})
			.png()
			.toBuffer();
		const path = PATH.replace('report.pdf', 'photo.png');
		await storage.put('support-attachments', path, photo, 'image/png');
		const url = await storage.signedUrl('support-attachments', path, 60, { thumbnail: true });
		expect(url.startsWith(`${fake.url}/storage/v1/render/image/sign/support-attachments/`)).toBe(
			true
		);
		const res = await fetch(url);
		expect(res.status).toBe(200);
		const thumb = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
		expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 320, 160]);
	});

	it('says what storage-api refused', async () => {
		const wrongKey = supabaseStorage(fake.url, 'not-the-service-key-at-all');
		const error = await wrongKey
			.put('support-attachments', PATH.replace('report', 'other'), PDF, 'application/pdf')
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SupabaseStorageError);
		expect((error as Error).message).toMatch(/upload answered 400: .*Unauthorized/);
		await expect(
			supabaseStorage(fake.url, fake.serviceKey).signedUrl(
				'support-attachments',
				`${PATH}.gone`,
				60
			)
		).rejects.toThrow(/createSignedUrl answered 400/);
		await expect(
			supabaseStorage(fake.url, fake.serviceKey).put('support-attachments', '../x', PDF, 'x')
		).rejects.toThrow(/not a storage object path/);
	});
});
