/**
 * A minimal, valid PDF 1.4 with a text layer (Helvetica, one line per array entry, one page per
 * inner array), written byte by byte with a correct cross-reference table — so the tests feed
 * unpdf real PDFs without shipping binary fixtures.
 */
function escapePdf(text: string): string {
	return text.replace(/[\\()]/g, (c) => `\\${c}`);
}

export function makePdf(pages: string[][]): Uint8Array<ArrayBuffer> {
	const objects: string[] = [];
	const pageIds = pages.map((_, i) => 4 + i * 2);
	objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
	objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
	objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
	pages.forEach((lines, i) => {
		const stream = [
			'BT',
			'/F1 12 Tf',
			'14 TL',
			'72 760 Td',
			...lines.map((line) => `(${escapePdf(line)}) Tj T*`),
			'ET'
		].join('\n');
		objects[4 + i * 2] =
			`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`;
		objects[5 + i * 2] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
	});
	let out = '%PDF-1.4\n';
	const offsets: number[] = [];
	for (let id = 1; id < objects.length; id++) {
		offsets[id] = out.length;
		out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
	}
	const xref = out.length;
	out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
	for (let id = 1; id < objects.length; id++)
		out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
	out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return new TextEncoder().encode(out);
}

/**
 * A scanned PDF: one page per JPEG, each page the image alone (no text layer), as a scanner
 * writes it — what OCR reads page by page.
 */
export function makeScannedPdf(
	pages: { jpeg: Uint8Array; width: number; height: number }[]
): Uint8Array<ArrayBuffer> {
	const encoder = new TextEncoder();
	const parts: Uint8Array[] = [];
	const offsets: number[] = [];
	let length = 0;
	const push = (chunk: string | Uint8Array) => {
		const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
		parts.push(bytes);
		length += bytes.length;
	};
	const object = (id: number, dict: string, stream?: Uint8Array) => {
		offsets[id] = length;
		push(`${id} 0 obj\n${dict}\n`);
		if (stream) {
			push('stream\n');
			push(stream);
			push('\nendstream\n');
		}
		push('endobj\n');
	};
	const pageIds = pages.map((_, i) => 3 + i * 3);
	push('%PDF-1.4\n');
	object(1, '<< /Type /Catalog /Pages 2 0 R >>');
	object(
		2,
		`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`
	);
	pages.forEach(({ jpeg, width, height }, i) => {
		const id = pageIds[i]!;
		object(
			id,
			`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources << /XObject << /Im1 ${id + 1} 0 R >> >> /Contents ${id + 2} 0 R >>`
		);
		object(
			id + 1,
			`<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>`,
			jpeg
		);
		const content = encoder.encode(`q ${width} 0 0 ${height} 0 0 cm /Im1 Do Q`);
		object(id + 2, `<< /Length ${content.length} >>`, content);
	});
	const xref = length;
	const count = offsets.length;
	let table = `xref\n0 ${count}\n0000000000 65535 f \n`;
	for (let id = 1; id < count; id++) table += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
	push(`${table}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
	const out = new Uint8Array(length);
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}
