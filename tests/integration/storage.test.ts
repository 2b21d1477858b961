/**
 * Storage (docs/storage.md) on a migrated, seeded database: uploads proven by their bytes and
 * stored under the caller's claims (so the owner module's policies decide), signed URLs only for
 * who may read, the storage meter's limit, and the sweep leaving no orphan bytes — after an
 * attachment is deleted, after its owner's files go, and after an upload whose transaction failed.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config';
import { runWithClaims } from '../../src/lib/server/platform/rls';
import { checkObjectUrl } from '../../src/lib/server/storage/embedded';
import {
	deleteAttachment,
	deleteOwnerFiles,
	listAttachments,
	NoSuchAttachment,
	signedUrl,
	signingKey,
	storageAdapter,
	storeUpload,
	UploadRefused
} from '../../src/lib/server/storage/service';
import { sweepStorage } from '../../src/lib/server/storage/sweep-job';
import { seeded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const ACME_OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', role: 'authenticated' as const };
const ACME_VIEWER = { sub: 'a0000000-0000-4000-8000-000000000014', role: 'authenticated' as const };
const GLOBEX_OWNER = {
	sub: 'a0000000-0000-4000-8000-000000000021',
	role: 'authenticated' as const
};
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const PDF = new TextEncoder().encode('%PDF-1.4\n% receipt\n');

const config = loadConfig({ DATA_DIR: 'memory://', NODE_ENV: 'test' });
const proof = (file: File) => ({
	bucket: 'payment-proofs',
	tenantId: ACME,
	ownerType: 'billing',
	ownerId: ACME,
	file,
	accept: ['pdf', 'png', 'jpeg'] as const,
	maxBytes: 5 * 1024 * 1024
});

describe('storage', () => {
	let t: TestEngine;
	const as = <T>(claims: typeof ACME_OWNER, fn: Parameters<typeof runWithClaims<T>>[2]) =>
		runWithClaims(t.engine.db, claims, fn);
	const bytesOf = (objectPath: string) => storageAdapter(config).get('payment-proofs', objectPath);

	beforeAll(async () => {
		t = await seeded(embeddedFactory);
	});
	afterAll(() => t?.dispose());

	it('stores a PNG named invoice.pdf as the PNG it is, under the owner’s path', async () => {
		const stored = await as(ACME_OWNER, (trx) =>
			storeUpload(trx, config, proof(new File([PNG], 'invoice.pdf', { type: 'application/pdf' })))
		);
		expect(stored.contentType).toBe('image/png');
		expect(stored.fileName).toBe('invoice.pdf');
		expect(stored.objectPath).toMatch(
			new RegExp(`^${ACME}/billing/${ACME}/[0-9a-f-]{36}/invoice\\.pdf\\.png$`)
		);
		expect(await bytesOf(stored.objectPath)).toEqual(PNG);
		const listed = await as(ACME_OWNER, (trx) =>
			listAttachments(trx, { tenantId: ACME, ownerType: 'billing', ownerId: ACME })
		);
		expect(listed.map((a) => a.id)).toContain(stored.attachmentId);
	});

	it('refuses lying types, empty and oversized files before the database sees them', async () => {
		const svg = new File(['<svg xmlns="http://www.w3.org/2000/svg"/>'], 'logo.png', {
			type: 'image/png'
		});
		await expect(as(ACME_OWNER, (trx) => storeUpload(trx, config, proof(svg)))).rejects.toThrow(
			'Attach a PDF, PNG or JPEG file: this one is not.'
		);
		const empty = new File([], 'receipt.pdf');
		await expect(as(ACME_OWNER, (trx) => storeUpload(trx, config, proof(empty)))).rejects.toThrow(
			UploadRefused
		);
		const big = new File([PDF, new Uint8Array(2048)], 'receipt.pdf');
		await expect(
			as(ACME_OWNER, (trx) => storeUpload(trx, config, { ...proof(big), maxBytes: 1024 }))
		).rejects.toThrow('The file is too large (at most 1 KiB).');
	});

	it('lets the policies refuse who may not add files, and stores no bytes for them', async () => {
		const before = [...(await t.engine.db.selectFrom('attachments').select('id').execute())];
		await expect(
			as(ACME_VIEWER, (trx) => storeUpload(trx, config, proof(new File([PDF], 'r.pdf'))))
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			as(GLOBEX_OWNER, (trx) => storeUpload(trx, config, proof(new File([PDF], 'r.pdf'))))
		).rejects.toMatchObject({ code: '42501' });
		expect(await t.engine.db.selectFrom('attachments').select('id').execute()).toEqual(before);
	});

	it('signs a URL only for who may read the file', async () => {
		const stored = await as(ACME_OWNER, (trx) =>
			storeUpload(trx, config, proof(new File([PDF], 'receipt.pdf')))
		);
		const url = await as(ACME_OWNER, (trx) =>
			signedUrl(trx, config, { attachmentId: stored.attachmentId, expiresInSeconds: 60 })
		);
		const parsed = new URL(url, 'http://app');
		expect(parsed.pathname).toBe(`/files/payment-proofs/${stored.objectPath}`);
		expect(parsed.searchParams.get('download')).toBe('receipt.pdf');
		expect(
			checkObjectUrl(signingKey(config), 'payment-proofs', stored.objectPath, parsed.searchParams)
		).toBe('valid');
		await expect(
			as(GLOBEX_OWNER, (trx) => signedUrl(trx, config, { attachmentId: stored.attachmentId }))
		).rejects.toThrow(NoSuchAttachment);
	});

	it('refuses an upload past the plan’s storage limit, with nothing stored', async () => {
		const { rows } = await sql<{ free: string }>`
			select l.hard_limit - coalesce(c.quantity, 0) as free from public.plan_limits l
			join public.subscriptions s on s.plan_id = l.plan_id and s.tenant_id = ${ACME}
			left join public.usage_counters c on c.tenant_id = ${ACME} and c.metric = 'storage_bytes'
			where l.metric = 'storage_bytes' and s.status in ('active', 'trialing') limit 1`.execute(
			t.engine.db
		);
		expect(rows[0], 'acme (seeded) has a plan with a storage limit').toBeDefined();
		await sql`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key)
			values (${ACME}, 'storage_bytes', ${Number(rows[0]!.free) - 10}, 'storage-test-fill')`.execute(
			t.engine.db
		);
		await expect(
			as(ACME_OWNER, (trx) => storeUpload(trx, config, proof(new File([PDF], 'receipt.pdf'))))
		).rejects.toMatchObject({ code: 'TN384' });
		await sql`insert into public.usage_events (tenant_id, metric, quantity, idempotency_key, correction_reason)
			values (${ACME}, 'storage_bytes', ${-(Number(rows[0]!.free) - 10)}, 'storage-test-unfill', 'test')`.execute(
			t.engine.db
		);
	});

	it('leaves no orphan bytes: deleted attachments, an owner’s files, a failed transaction', async () => {
		const one = await as(ACME_OWNER, (trx) =>
			storeUpload(trx, config, proof(new File([PDF], 'one.pdf')))
		);
		expect(
			await as(ACME_OWNER, (trx) =>
				deleteAttachment(trx, { attachmentId: one.attachmentId, tenantId: ACME })
			)
		).toBe(true);
		let failedPath = '';
		await expect(
			as(ACME_OWNER, async (trx) => {
				failedPath = (await storeUpload(trx, config, proof(new File([PDF], 'lost.pdf'))))
					.objectPath;
				throw new Error('the rest of the form failed');
			})
		).rejects.toThrow('the rest of the form failed');
		expect(await bytesOf(failedPath), 'the failed upload wrote its bytes').not.toBe(null);

		expect(
			await as(ACME_OWNER, (trx) =>
				deleteOwnerFiles(trx, { tenantId: ACME, ownerType: 'billing', ownerId: ACME })
			)
		).toBeGreaterThan(0);
		await sweepStorage(t.engine.db, config, { orphanAgeMs: 0 });

		expect(await bytesOf(one.objectPath)).toBe(null);
		expect(await bytesOf(failedPath)).toBe(null);
		const left: string[] = [];
		for await (const file of storageAdapter(config).written!(0)) {
			if (file.path.startsWith(`${ACME}/`)) left.push(file.path);
		}
		expect(left, 'no bytes of acme are left').toEqual([]);
		const { rows } = await sql<{ n: number }>`select count(*)::int as n from storage.objects
			where name like ${`${ACME}/%`}`.execute(t.engine.db);
		expect(rows[0]!.n, 'no object rows of acme are left').toBe(0);
	});
});
