/**
 * Payment proofs (manual payment, spec 003): a PDF, PNG or JPEG, recognised by its first bytes
 * and not by its name or declared type, stored under the tenant's folder `<tenant_id>/…` — the
 * path submit_payment_proof accepts. The embedded profile keeps them beside DATA_DIR in
 * `storage/payment-proofs/` (or in memory with DATA_DIR=memory://).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

export const PROOF_MAX_BYTES = 5 * 1024 * 1024;
/** The whole upload (the file, the form's other fields, multipart framing): larger is refused unread (413). */
export const PROOF_BODY_MAX_BYTES = PROOF_MAX_BYTES + 64 * 1024;

const SIGNATURES: { type: ProofType; bytes: number[] }[] = [
	{ type: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
	{ type: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
	{ type: 'jpg', bytes: [0xff, 0xd8, 0xff] }
];

export type ProofType = 'pdf' | 'png' | 'jpg';

export const PROOF_CONTENT_TYPES: Record<ProofType, string> = {
	pdf: 'application/pdf',
	png: 'image/png',
	jpg: 'image/jpeg'
};

/** The file's type from its magic bytes; null for anything that is not a PDF, PNG or JPEG. */
export function sniffProof(bytes: Uint8Array): ProofType | null {
	return SIGNATURES.find((s) => s.bytes.every((b, i) => bytes[i] === b))?.type ?? null;
}

export interface ProofStore {
	put(path: string, bytes: Uint8Array): Promise<void>;
	get(path: string): Promise<Uint8Array | null>;
}

export function memoryProofStore(): ProofStore {
	const files = new Map<string, Uint8Array>();
	return {
		async put(path, bytes) {
			files.set(path, bytes);
		},
		async get(path) {
			return files.get(path) ?? null;
		}
	};
}

export function directoryProofStore(root: string): ProofStore {
	const base = resolve(root);
	const inside = (path: string) => {
		const full = resolve(base, path);
		if (!full.startsWith(base + sep)) throw new Error(`${path} is outside the proof store`);
		return full;
	};
	return {
		async put(path, bytes) {
			const full = inside(path);
			await mkdir(dirname(full), { recursive: true });
			await writeFile(full, bytes, { mode: 0o600, flag: 'wx' });
		},
		async get(path) {
			return readFile(inside(path)).then(
				(b) => new Uint8Array(b),
				() => null
			);
		}
	};
}

let store: ProofStore | undefined;

/** The process's proof store, from DATA_DIR. */
export function proofStore(dataDir: string): ProofStore {
	store ??=
		dataDir === 'memory://'
			? memoryProofStore()
			: directoryProofStore(join(dirname(dataDir), 'storage', 'payment-proofs'));
	return store;
}

/** A new path for a tenant's proof: `<tenant_id>/<yyyy-mm>/<uuid>.<ext>`. */
export function proofPath(tenantId: string, type: ProofType, now = new Date()): string {
	return `${tenantId}/${now.toISOString().slice(0, 7)}/${randomUUID()}.${type}`;
}
