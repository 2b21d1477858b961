import { describe, expect, it } from 'vitest';
import { checkObjectUrl, embeddedStorage, signObjectUrl } from './embedded';
import { displayName, objectName } from './names';
import { describeKinds, sniff, sniffAccepted } from './sniff';

const bytes = (...b: number[]) => new Uint8Array([...b, 0, 0, 0, 0, 0, 0, 0, 0]);
const text = (s: string) => new TextEncoder().encode(s);
const PNG = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

describe('file kinds', () => {
	it('come from the first bytes, whatever the name says', () => {
		expect(sniff(text('%PDF-1.7\n…'), 'photo.png')).toBe('pdf');
		expect(sniff(PNG, 'invoice.pdf')).toBe('png');
		expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0), 'x.txt')).toBe('jpeg');
		expect(sniff(text('GIF89a…'))).toBe('gif');
		expect(sniff(new Uint8Array([...text('RIFF'), 1, 2, 3, 4, ...text('WEBPVP8 ')]))).toBe('webp');
		expect(sniff(text('%PD'))).toBe('txt');
		expect(sniff(new Uint8Array())).toBe(null);
	});

	it('refuse an SVG, an executable and text with NUL bytes or invalid UTF-8', () => {
		expect(sniffAccepted(text('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'a.png', ['png'])).toBe(
			null
		);
		expect(sniff(bytes(0x4d, 0x5a, 0x90, 0x00), 'report.pdf')).toBe(null);
		expect(sniff(new Uint8Array([0x68, 0x69, 0x00, 0x21]), 'notes.txt')).toBe(null);
		expect(sniff(new Uint8Array([0x68, 0xc3, 0x28]), 'notes.txt')).toBe(null);
	});

	it('tell text kinds apart by name only, and accept text as any text kind allowed', () => {
		expect(sniff(text('a,b\n1,2\n'), 'data.csv')).toBe('csv');
		expect(sniff(text('# Title\n'), 'README.md')).toBe('markdown');
		expect(sniffAccepted(text('# Title\n'), 'README.md', ['txt'])).toBe('txt');
		expect(sniffAccepted(text('hello'), 'a.txt', ['pdf', 'png'])).toBe(null);
		expect(sniffAccepted(text('<svg/>'), 'a.svg', ['txt'])).toBe('txt');
	});

	it('tell office files from other zips by their entries', () => {
		const zip = (...names: string[]) =>
			new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...text(names.join('\0'))]);
		expect(sniff(zip('[Content_Types].xml', 'word/document.xml'))).toBe('docx');
		expect(sniff(zip('[Content_Types].xml', 'xl/workbook.xml'))).toBe('xlsx');
		expect(sniff(zip('[Content_Types].xml', 'ppt/presentation.xml'))).toBe('pptx');
		expect(sniff(zip('photos/a.jpg'))).toBe('zip');
	});

	it('are listed in words', () => {
		expect(describeKinds(['pdf', 'png', 'jpeg'])).toBe('PDF, PNG or JPEG');
		expect(describeKinds(['pdf'])).toBe('PDF');
	});
});

describe('file names', () => {
	it('keep the last segment, without control characters, leading dots or bidi overrides', () => {
		expect(displayName('../../etc/passwd')).toBe('passwd');
		expect(displayName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
		expect(displayName('..hidden')).toBe('hidden');
		expect(displayName('evil\u202efdp.exe')).toBe('evilfdp.exe');
		expect(displayName('tab\tand\nnewline.txt')).toBe('tab and newline.txt');
		expect(displayName('...')).toBe('file');
		const long = displayName(`${'x'.repeat(300)}.pdf`);
		expect(long).toHaveLength(200);
		expect(long.endsWith('.pdf')).toBe(true);
	});

	it('name objects in safe characters with the proven extension', () => {
		expect(objectName('Facture été 2026.pdf', 'pdf')).toBe('Facture-ete-2026.pdf');
		expect(objectName('invoice.pdf', 'png')).toBe('invoice.pdf.png');
		expect(objectName('日本語', 'txt')).toBe('file.txt');
		expect(objectName(`${'a'.repeat(300)}.jpg`, 'jpeg')).toHaveLength(120);
		expect(objectName('-.-x.csv', 'csv')).toBe('x.csv');
	});
});

describe('signed URLs of the embedded storage', () => {
	const key = 'k'.repeat(43);
	const path =
		'b0000000-0000-4000-8000-000000000001/billing/b0000000-0000-4000-8000-000000000001/u/p.pdf';
	const query = (url: string) => new URL(url, 'http://x').searchParams;

	it('are valid until they expire', () => {
		const url = signObjectUrl(key, 'payment-proofs', path, 2_000_000_000, { download: 'p.pdf' });
		expect(url.startsWith(`/files/payment-proofs/${path}?`)).toBe(true);
		expect(checkObjectUrl(key, 'payment-proofs', path, query(url), 1_999_999_999_000)).toBe(
			'valid'
		);
		expect(checkObjectUrl(key, 'payment-proofs', path, query(url), 2_000_000_001_000)).toBe(
			'expired'
		);
	});

	it('are invalid once anything in them changes', () => {
		const url = signObjectUrl(key, 'payment-proofs', path, 2_000_000_000);
		const now = 1_999_999_999_000;
		const tampered = (edit: (q: URLSearchParams) => void) => {
			const q = query(url);
			edit(q);
			return q;
		};
		expect(checkObjectUrl(key, 'payment-proofs', `${path}x`, query(url), now)).toBe('invalid');
		expect(checkObjectUrl(key, 'task-attachments', path, query(url), now)).toBe('invalid');
		expect(
			checkObjectUrl(
				key,
				'payment-proofs',
				path,
				tampered((q) => q.set('expires', '2000000001')),
				now
			)
		).toBe('invalid');
		expect(
			checkObjectUrl(
				key,
				'payment-proofs',
				path,
				tampered((q) => q.set('download', 'x.html')),
				now
			)
		).toBe('invalid');
		expect(
			checkObjectUrl(
				key,
				'payment-proofs',
				path,
				tampered((q) => q.set('signature', 'AAAA')),
				now
			)
		).toBe('invalid');
		expect(checkObjectUrl('o'.repeat(43), 'payment-proofs', path, query(url), now)).toBe('invalid');
		// A thumbnail's URL is signed as one: adding or dropping the flag breaks the signature.
		const thumb = signObjectUrl(key, 'payment-proofs', path, 2_000_000_000, { thumbnail: true });
		expect(query(thumb).get('thumbnail')).toBe('1');
		expect(checkObjectUrl(key, 'payment-proofs', path, query(thumb), now)).toBe('valid');
		expect(
			checkObjectUrl(
				key,
				'payment-proofs',
				path,
				tampered((q) => q.set('thumbnail', '1')),
				now
			)
		).toBe('invalid');
		const unflagged = query(thumb);
		unflagged.delete('thumbnail');
		expect(checkObjectUrl(key, 'payment-proofs', path, unflagged, now)).toBe('invalid');
	});

	it('are made by the adapter for its objects, which keeps to safe paths', async () => {
		const storage = embeddedStorage(null, key);
		await storage.put('payment-proofs', path, PNG, 'image/png');
		expect(await storage.get('payment-proofs', path)).toEqual(PNG);
		await expect(storage.put('payment-proofs', path, PNG, 'image/png')).rejects.toThrow(/exists/);
		await expect(storage.put('payment-proofs', '../escape.pdf', PNG, 'x')).rejects.toThrow(
			/not a storage object path/
		);
		const url = await storage.signedUrl('payment-proofs', path, 60);
		expect(checkObjectUrl(key, 'payment-proofs', path, query(url))).toBe('valid');
		await storage.remove('payment-proofs', [path, path]);
		expect(await storage.get('payment-proofs', path)).toBe(null);
	});
});
