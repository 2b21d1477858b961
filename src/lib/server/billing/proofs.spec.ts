import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryProofStore, proofPath, sniffProof } from './proofs';

const bytes = (...b: number[]) => new Uint8Array([...b, 0, 0, 0, 0, 0, 0, 0, 0]);

describe('payment proofs', () => {
	it('are recognised by their first bytes, whatever their name says', () => {
		expect(sniffProof(new TextEncoder().encode('%PDF-1.7\n…'))).toBe('pdf');
		expect(sniffProof(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe('png');
		expect(sniffProof(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('jpg');
		expect(sniffProof(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg">'))).toBe(
			null
		);
		expect(sniffProof(new TextEncoder().encode('%PD'))).toBe(null);
		expect(sniffProof(new Uint8Array())).toBe(null);
	});

	it("live under the tenant's folder, and the store keeps to its root and never overwrites", async () => {
		const tenant = 'b0000000-0000-4000-8000-000000000001';
		const path = proofPath(tenant, 'pdf', new Date('2026-11-22T10:00:00Z'));
		expect(path).toMatch(new RegExp(`^${tenant}/2026-11/[0-9a-f-]{36}\\.pdf$`));
		const root = await mkdtemp(join(tmpdir(), 'proofs-'));
		try {
			const store = directoryProofStore(root);
			await store.put(path, new Uint8Array([1, 2, 3]));
			expect(await store.get(path)).toEqual(new Uint8Array([1, 2, 3]));
			await expect(store.put(path, new Uint8Array([4]))).rejects.toThrow(/EEXIST/);
			await expect(store.put('../escape.pdf', new Uint8Array([4]))).rejects.toThrow(/outside/);
			expect(await store.get('missing.pdf')).toBe(null);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});
});
