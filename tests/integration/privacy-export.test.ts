/**
 * The subject-access archive end to end on the embedded database: Acme's owner uploads a payment
 * proof and asks for her data; she confirms; as the organisation's handler she starts it; the real
 * privacy.export queue handler builds, seals and stores the archive and completes the request.
 * The emailed one-time link then downloads an archive whose JSON is the export and whose files are
 * hers; the stored object is ciphertext; a second download, another account and an expired link
 * are refused; the purge job removes the object and forgets the key.
 */
import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/platform/config';
import { runAsServiceRole, runWithClaims } from '../../src/lib/server/platform/rls';
import {
	claimExport,
	EXPORT_BUCKET,
	ExportRefused,
	purgeExport,
	toCsv
} from '../../src/lib/server/privacy/export';
import {
	advanceRequest,
	createRequest,
	listMyRequests,
	verifyRequest
} from '../../src/lib/server/privacy/queries';
import { registeredQueues } from '../../src/lib/server/queue/registry';
import { createWorker } from '../../src/lib/server/queue/worker';
import { storageAdapter, storeUpload } from '../../src/lib/server/storage/service';
import { seeded } from '../support/database';
import { embeddedFactory, type TestEngine } from './engines';

const ACME = 'b0000000-0000-4000-8000-000000000001';
const OWNER = { sub: 'a0000000-0000-4000-8000-000000000011', role: 'authenticated' as const };
const ADMIN = { sub: 'a0000000-0000-4000-8000-000000000012', role: 'authenticated' as const };
const config = loadConfig({ DATA_DIR: 'memory://', NODE_ENV: 'test' });
const PDF = new TextEncoder().encode('%PDF-1.4\n% Zelda proof of payment\n%%EOF\n');

describe('the access request archive', () => {
	let t: TestEngine;
	let requestId: string;
	let token: string;
	const db = () => t.engine.db;

	/** Runs the queue's jobs that are due, with the real handlers. */
	async function runQueue(queue: string): Promise<void> {
		const worker = createWorker({
			db: db(),
			config,
			queues: registeredQueues().filter((q) => q.name === queue)
		});
		await worker.tick();
		for (let i = 0; i < 400 && worker.running > 0; i++) await new Promise((r) => setTimeout(r, 25));
		await worker.stop();
	}

	/** The newest export email's link (ids are random: newest by time). */
	async function lastLinkToken(): Promise<string> {
		const { rows } = await sql<{ path: string }>`
			select payload->>'path' as path from private.email_outbox
			where template = 'privacy_export' order by created_at desc limit 1`.execute(db());
		expect(rows[0]?.path, 'the export email is in the outbox').toMatch(
			/^\/account\/privacy\/export\/[0-9a-f]{64}$/
		);
		return rows[0]!.path.split('/').pop()!;
	}

	beforeAll(async () => {
		t = await seeded(embeddedFactory);
		await runWithClaims(db(), OWNER, (trx) =>
			storeUpload(trx, config, {
				bucket: 'payment-proofs',
				tenantId: ACME,
				ownerType: 'billing',
				ownerId: ACME,
				file: new File([PDF], 'proof of payment.pdf', { type: 'application/pdf' }),
				accept: ['pdf'],
				maxBytes: 1024 * 1024
			})
		);
		const created = await runWithClaims(db(), OWNER, (trx) =>
			createRequest(trx, { tenantId: ACME, kind: 'access', details: 'Everything, please' })
		);
		requestId = created.requestId;
		await runWithClaims(db(), OWNER, (trx) => verifyRequest(trx, created.token!));
	}, 120_000);

	afterAll(() => t?.dispose());

	it('starting the request queues the job, which stores a sealed archive and completes the request', async () => {
		await runWithClaims(db(), OWNER, (trx) => advanceRequest(trx, requestId, 'in_progress', null));
		const { rows: queued } = await sql<{ status: string }>`
			select status from public.jobs where queue = 'privacy.export'`.execute(db());
		expect(queued).toEqual([{ status: 'pending' }]);
		await runQueue('privacy.export');
		const { rows: jobs } = await sql<{ status: string; result: { files: number } }>`
			select status, result from public.jobs where queue = 'privacy.export'`.execute(db());
		expect(jobs[0]).toMatchObject({ status: 'succeeded', result: { files: 1 } });

		const mine = await runWithClaims(db(), OWNER, (trx) => listMyRequests(trx));
		expect(mine.find((r) => r.id === requestId)).toMatchObject({
			state: 'completed',
			outcome: { files: 1 }
		});
		const { rows: exports } = await sql<{ object_path: string; expires_at: Date }>`
			select object_path, expires_at from public.gdpr_exports where request_id = ${requestId}`.execute(
			db()
		);
		const sealed = await storageAdapter(config).get(EXPORT_BUCKET, exports[0]!.object_path);
		expect(sealed!.byteLength).toBeGreaterThan(200);
		// Ciphertext at rest: neither the zip's signature nor the person's address is in it.
		expect(Buffer.from(sealed!).includes(Buffer.from('PK\x03\x04'))).toBe(false);
		expect(Buffer.from(sealed!).includes(Buffer.from('owner@acme.test'))).toBe(false);
		expect(exports[0]!.expires_at.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

		token = await lastLinkToken();
		const { rows: notices } = await sql<{ title: string; link: string }>`
			select title, link from public.notifications
			where user_id = ${OWNER.sub} and kind = 'security.data_export_ready'`.execute(db());
		expect(notices).toEqual([{ title: 'Your data export is ready', link: '/account/privacy' }]);
		const { rows: audit } = await sql<{ action: string }>`
			select action from public.audit_logs where target_type = 'gdpr_exports' order by id`.execute(db());
		expect(audit.map((a) => a.action)).toEqual(['gdpr_exports.insert']);
		const { rows: stored } = await sql<{ n: number }>`
			select count(*)::int as n from public.gdpr_exports
			where token_hash = sha256(convert_to(${token}, 'UTF8'))`.execute(db());
		expect(stored[0]!.n).toBe(1);
	});

	it('another account’s session cannot use the link', async () => {
		const refused = await runWithClaims(db(), ADMIN, (trx) =>
			claimExport(trx, config, token)
		).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ExportRefused);
		expect((refused as ExportRefused).code).toBe('TN494');
	});

	it('the person downloads an archive that matches her export, with her file', async () => {
		const { bytes } = await runWithClaims(db(), OWNER, (trx) => claimExport(trx, config, token));
		const files = unzipSync(bytes);
		const exported = await runAsServiceRole(db(), 'privacy.export', async (trx) => {
			const { rows } = await sql<{
				e: Record<string, unknown>;
			}>`select private.subject_export(${OWNER.sub}::uuid) as e`.execute(trx);
			return rows[0]!.e;
		});
		const archived = JSON.parse(strFromU8(files['export.json']!)) as Record<string, unknown>;
		// The same modules and the same records; what changed since the archive was built (this
		// request, completed since; the audit rows and the notice of that) aside.
		const changed = ['audit', 'notifications', 'privacy_requests'];
		expect(Object.keys(archived).sort()).toEqual(Object.keys(exported).sort());
		for (const module of Object.keys(exported).filter((m) => !changed.includes(m)))
			expect(archived[module], module).toEqual(exported[module]);
		expect(archived.privacy_requests).toEqual([
			expect.objectContaining({ kind: 'access', state: 'in_progress' })
		]);
		expect(JSON.parse(strFromU8(files['memberships.json']!))).toEqual(exported.memberships);
		expect(strFromU8(files['memberships.csv']!)).toBe(toCsv(exported.memberships));
		expect((archived.profile as { email: string }).email).toBe('owner@acme.test');
		const proofs = Object.keys(files).filter((name) => name.startsWith('files/billing/'));
		expect(proofs).toEqual(['files/billing/001-proof of payment.pdf']);
		expect(Buffer.from(files[proofs[0]!]!).equals(Buffer.from(PDF))).toBe(true);
	});

	it('a second download is refused', async () => {
		const refused = await runWithClaims(db(), OWNER, (trx) =>
			claimExport(trx, config, token)
		).catch((e: unknown) => e);
		expect((refused as ExportRefused).code).toBe('TN495');
		const { rows } = await sql<{ action: string }>`
			select action from public.audit_logs where target_type = 'gdpr_exports' order by id`.execute(db());
		expect(rows.map((a) => a.action)).toEqual(['gdpr_exports.insert', 'gdpr_exports.update']);
	});

	it('the purge removes the object and forgets the key, once downloaded', async () => {
		const { rows } = await sql<{ object_path: string }>`
			select object_path from public.gdpr_exports where request_id = ${requestId}`.execute(db());
		const purged = await purgeExport(
			(fn) => runAsServiceRole(db(), 'privacy.export_purge', fn),
			config,
			requestId
		);
		expect(purged).toBe(true);
		expect(await storageAdapter(config).get(EXPORT_BUCKET, rows[0]!.object_path)).toBeNull();
		const { rows: after } = await sql<{ wrapped_key: string | null; deleted: boolean }>`
			select wrapped_key, deleted_at is not null as deleted from public.gdpr_exports
			where request_id = ${requestId}`.execute(db());
		expect(after).toEqual([{ wrapped_key: null, deleted: true }]);
	});

	it('an expired link is refused, and an unexpired unused one is not purged', async () => {
		const second = await runWithClaims(db(), OWNER, (trx) =>
			createRequest(trx, { tenantId: ACME, kind: 'access', details: '' })
		);
		await runWithClaims(db(), OWNER, (trx) => verifyRequest(trx, second.token!));
		await runWithClaims(db(), OWNER, (trx) =>
			advanceRequest(trx, second.requestId, 'in_progress', null)
		);
		await runQueue('privacy.export');
		const fresh = await lastLinkToken();
		expect(
			await purgeExport(
				(fn) => runAsServiceRole(db(), 'privacy.export_purge', fn),
				config,
				second.requestId
			)
		).toBe(false);
		// A week on: the test moves the row's times back (the owner's connection, triggers aside).
		await sql`alter table public.gdpr_exports disable trigger gdpr_exports_immutable_columns`.execute(
			db()
		);
		await sql`update public.gdpr_exports set created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
			where request_id = ${second.requestId}`.execute(db());
		await sql`alter table public.gdpr_exports enable trigger gdpr_exports_immutable_columns`.execute(
			db()
		);
		const refused = await runWithClaims(db(), OWNER, (trx) =>
			claimExport(trx, config, fresh)
		).catch((e: unknown) => e);
		expect((refused as ExportRefused).code).toBe('TN496');
		const { rows } = await sql<{ run_at: Date }>`
			select run_at from public.jobs where queue = 'privacy.export_purge'
			  and payload->>'request_id' = ${second.requestId}`.execute(db());
		expect(rows).toHaveLength(1);
		await sql`update public.jobs set run_at = now() where queue = 'privacy.export_purge'`.execute(
			db()
		);
		await runQueue('privacy.export_purge');
		const { rows: gone } = await sql<{ deleted: boolean }>`
			select deleted_at is not null as deleted from public.gdpr_exports where request_id = ${second.requestId}`.execute(
			db()
		);
		expect(gone).toEqual([{ deleted: true }]);
	});
});
