/**
 * The integrations' background work, on the one job queue (src/lib/server/queue):
 *
 * - `integrations.inbound`: processes a recorded inbound event (process.ts). Queued by
 *   public.receive_integration_event and public.replay_integration_event.
 * - `integrations.sync`: refreshes one integration's caches (sync.ts) and records the result like
 *   a check (status, last error, integration.connected / integration.failed). Queued by a passing
 *   connection test and, every INTEGRATIONS_SYNC_INTERVAL_MS, by the scheduled `integrations.sync`
 *   job for each connected GitHub or Slack integration.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../platform/config';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { enqueueJob } from '../queue/enqueue';
import { PermanentJobError, registerQueue } from '../queue/registry';
import { IntegrationError } from './http';
import { processEvent } from './process';
import { findIntegration } from './queries';
import { secretValues } from './service';
import { applySnapshot, fetchSnapshot } from './sync';

registerQueue({
	name: 'integrations.inbound',
	job: 'integrations.inbound',
	concurrency: 4,
	payload: z.object({ integration_event_id: z.uuid() }),
	async handle(job, ctx) {
		try {
			return {
				outcome: await processEvent(ctx.db, ctx.config, job.payload.integration_event_id, {
					final: job.attempt >= job.maxAttempts
				})
			};
		} catch (error) {
			if ((error as { retryable?: boolean }).retryable === false) {
				throw new PermanentJobError((error as Error).message);
			}
			throw error;
		}
	}
});

/** Syncs one integration's caches now; false when it is not one that has caches or is disconnected. */
export async function syncIntegration(
	db: Kysely<DB>,
	config: Config,
	integrationId: string
): Promise<boolean> {
	const found = await runAsServiceRole(db, 'integrations.sync', async (trx) => {
		const integration = await findIntegration(trx, integrationId);
		if (
			!integration ||
			integration.status === 'disconnected' ||
			!['github', 'slack'].includes(integration.type)
		) {
			return null;
		}
		return { integration, secrets: await secretValues(trx, config, integration) };
	});
	if (!found) return false;
	try {
		const snapshot = await fetchSnapshot(config, found.integration, found.secrets);
		await runAsServiceRole(db, 'integrations.sync', async (trx) => {
			if (snapshot) await applySnapshot(trx, found.integration, snapshot);
			await sql`select public.record_integration_sync(${integrationId}::uuid, true)`.execute(trx);
		});
		return true;
	} catch (error) {
		const message = (error as Error).message;
		await runAsServiceRole(db, 'integrations.sync', (trx) =>
			sql`select public.record_integration_sync(${integrationId}::uuid, false, ${`Sync: ${message}`})`.execute(
				trx
			)
		);
		if (error instanceof IntegrationError && !error.retryable) throw new PermanentJobError(message);
		throw error;
	}
}

registerQueue({
	name: 'integrations.sync',
	job: 'integrations.sync',
	payload: z.object({ integration_id: z.uuid() }),
	async handle(job, ctx) {
		return { synced: await syncIntegration(ctx.db, ctx.config, job.payload.integration_id) };
	}
});

/** Queues a sync for every connected GitHub or Slack integration not synced for an interval. */
export async function queueDueSyncs(db: Kysely<DB>, config: Config): Promise<number> {
	const interval = config.INTEGRATIONS_SYNC_INTERVAL_MS;
	return runAsServiceRole(db, 'integrations.sync', async (trx) => {
		const due = await trx
			.selectFrom('integrations')
			.select(['id', 'tenant_id'])
			.where('type', 'in', ['github', 'slack'])
			.where('status', '<>', 'disconnected')
			.where((eb) =>
				eb.or([
					eb('last_synced_at', 'is', null),
					eb('last_synced_at', '<', sql<Date>`now() - make_interval(secs => ${interval / 1000})`)
				])
			)
			.execute();
		const bucket = Math.floor(Date.now() / Math.max(interval, 1));
		for (const row of due) {
			await enqueueJob(trx, {
				queue: 'integrations.sync',
				payload: { integration_id: row.id },
				tenantId: row.tenant_id,
				dedupeKey: `sync:${row.id}:${bucket}`
			});
		}
		return due.length;
	});
}

registerJob({
	name: 'integrations.sync',
	intervalMs: (config) => config.INTEGRATIONS_SYNC_INTERVAL_MS,
	run: (db, config) => queueDueSyncs(db, config)
});
