/**
 * The `storage.sweep` system job: removes the bytes nothing needs any more — objects queued when
 * their attachment was deleted (by hand, with its owner or with its tenant), objects of
 * Tenantry's buckets no attachment names an hour after they were written, and (embedded) files
 * on disk without an object row an hour after they were written (an upload whose transaction
 * failed). Idempotent and leased, so a timer in every app instance is harmless.
 */
import { sql, type Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { storageAdapter } from './service';

const BATCH = 100;

export interface SweepResult {
	removed: number;
	failed: number;
}

/** One pass; `orphanAgeMs` (an hour) is how old unnamed bytes must be before they go. */
export async function sweepStorage(
	db: Kysely<DB>,
	config: Config,
	options: { orphanAgeMs?: number } = {}
): Promise<SweepResult> {
	const orphanAgeMs = options.orphanAgeMs ?? 3_600_000;
	const adapter = storageAdapter(config);
	const result: SweepResult = { removed: 0, failed: 0 };

	if (adapter.written) {
		const files: { bucket: string; path: string }[] = [];
		for await (const file of adapter.written(orphanAgeMs)) files.push(file);
		for (let i = 0; i < files.length; i += BATCH) {
			const batch = files.slice(i, i + BATCH);
			const known = await runAsServiceRole(db, 'storage.sweep', (trx) =>
				sql<{ key: string }>`select o.bucket_id || '/' || o.name as key from storage.objects o
					join unnest(${batch.map((f) => f.bucket)}::text[], ${batch.map((f) => f.path)}::text[]) f(bucket, path)
					  on o.bucket_id = f.bucket and o.name = f.path`.execute(trx)
			);
			const named = new Set(known.rows.map((r) => r.key));
			for (const file of batch) {
				if (named.has(`${file.bucket}/${file.path}`)) continue;
				await adapter.remove(file.bucket, [file.path]);
				result.removed++;
			}
		}
	}

	for (;;) {
		const claimed = await runAsServiceRole(db, 'storage.sweep', (trx) =>
			sql<{ id: string; bucket: string; name: string }>`select id::text, bucket, name
				from private.claim_storage_removals(${BATCH}, make_interval(secs => ${orphanAgeMs / 1000}))`.execute(
				trx
			)
		);
		for (const removal of claimed.rows) {
			let error: string | null = null;
			try {
				await adapter.remove(removal.bucket, [removal.name]);
				result.removed++;
			} catch (e) {
				error = (e as Error).message;
				result.failed++;
			}
			await runAsServiceRole(db, 'storage.sweep', (trx) =>
				sql`select private.finish_storage_removal(${removal.id}::bigint, ${error})`.execute(trx)
			);
		}
		if (claimed.rows.length < BATCH) return result;
	}
}

registerJob({
	name: 'storage.sweep',
	intervalMs: (config) => config.STORAGE_SWEEP_INTERVAL_MS,
	run: (db, config) => sweepStorage(db, config)
});
