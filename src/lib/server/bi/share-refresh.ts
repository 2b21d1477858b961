/**
 * Shared dashboards refreshed on a schedule (docs/bi.md#sharing): the scheduled `bi.share_refresh`
 * tick queues the shares due (private.share_refreshes_due); queue `bi.share_refresh` recomputes one
 * share's snapshot **as its sharer** — a transaction under their claims, their membership, their
 * permissions and RLS deciding, never the service role over live data. When the sharer left the
 * tenant or may no longer manage its dashboards, the refresh stops (private.stop_share_refresh)
 * with a reason the link shows, and the last snapshot stays. `now` is a parameter so tests drive the clock.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../platform/database';
import { runAsServiceRole, type Principal, type SystemJob } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { enqueueJob } from '../queue/enqueue';
import { registerQueue, type QueueDefinition } from '../queue/registry';
import { myPermissions } from '../tenancy/tenants';
import { getDashboard, takeSnapshot } from './queries';

/** How often the tick looks for shares due; a share refreshes at most this late. */
const TICK_INTERVAL_MS = 5 * 60_000;

export const SHARER_LEFT =
	'The person who shared this dashboard is no longer a member of the organisation, so it no longer refreshes.';
export const SHARER_LOST_RIGHTS =
	'The person who shared this dashboard may no longer manage dashboards, so it no longer refreshes.';

/** The two kinds of transaction a refresh needs (a job's context has both). */
export interface ShareRunner {
	asSystem<T>(job: SystemJob, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
	asUser<T>(claims: Principal, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
}

export type RefreshOutcome = 'refreshed' | 'stopped' | 'not_due';

/** Recomputes one share's snapshot as its sharer, or stops its refreshing; returns which. */
export async function refreshShare(
	runner: ShareRunner,
	shareId: string,
	now = new Date()
): Promise<RefreshOutcome> {
	const share = await runner.asSystem('bi.share_refresh', async (trx) => {
		const { rows } = await sql<{
			tenant_id: string;
			dashboard_id: string;
			created_by: string | null;
		}>`
			select tenant_id, dashboard_id, created_by from public.dashboard_shares
			where id = ${shareId}::uuid and next_refresh_at is not null`.execute(trx);
		return rows[0] ?? null;
	});
	if (!share) return 'not_due';
	const sharer = share.created_by;
	const stopped = !sharer
		? SHARER_LEFT
		: await runner.asUser({ sub: sharer, role: 'authenticated' }, async (trx) => {
				const { rows: member } = await sql`
					select 1 from public.memberships
					where tenant_id = ${share.tenant_id}::uuid and user_id = ${sharer}::uuid and status = 'active'`.execute(
					trx
				);
				if (member.length === 0) return SHARER_LEFT;
				const permissions = await myPermissions(trx, share.tenant_id);
				if (!permissions.includes('dashboards.manage')) return SHARER_LOST_RIGHTS;
				const found = await getDashboard(trx, share.tenant_id, share.dashboard_id);
				if (!found) return SHARER_LOST_RIGHTS;
				const snapshot = await takeSnapshot(
					trx,
					found,
					{
						tenantId: share.tenant_id,
						viewer: sharer,
						range: found.dashboard.timeRange,
						permissions
					},
					now
				);
				// The sharer's own update: RLS (dashboards.manage) lets it through or not.
				const result = await sql`update public.dashboard_shares
					set snapshot = ${JSON.stringify(snapshot)}::jsonb, snapshot_at = ${now.toISOString()}::timestamptz
					where tenant_id = ${share.tenant_id}::uuid and id = ${shareId}::uuid and revoked_at is null`.execute(
					trx
				);
				return Number(result.numAffectedRows ?? 0) > 0 ? null : SHARER_LOST_RIGHTS;
			});
	if (stopped === null) return 'refreshed';
	await runner.asSystem('bi.share_refresh', (trx) =>
		sql`select private.stop_share_refresh(${shareId}::uuid, ${stopped})`.execute(trx)
	);
	return 'stopped';
}

/** The tick: queues a bi.share_refresh job per share due at `now`; returns how many. */
export function enqueueDueShares(db: Kysely<DB>, now = new Date()): Promise<number> {
	return runAsServiceRole(db, 'bi.share_refresh', async (trx) => {
		const { rows } = await sql<{ share_id: string; tenant_id: string; next_refresh_at: Date }>`
			select * from private.share_refreshes_due(${now.toISOString()}::timestamptz, 200)`.execute(trx);
		for (const due of rows) {
			await enqueueJob(trx, {
				queue: 'bi.share_refresh',
				payload: { share_id: due.share_id },
				tenantId: due.tenant_id,
				dedupeKey: `share:${due.share_id}:${due.next_refresh_at.toISOString()}`
			});
		}
		return rows.length;
	});
}

export const shareRefreshQueue: QueueDefinition<{ share_id: string }> = {
	name: 'bi.share_refresh',
	job: 'bi.share_refresh',
	payload: z.object({ share_id: z.uuid() }),
	async handle(job, ctx) {
		return { outcome: await refreshShare(ctx, job.payload.share_id) };
	}
};

registerQueue(shareRefreshQueue);

registerJob({
	name: 'bi.share_refresh',
	intervalMs: () => TICK_INTERVAL_MS,
	run: (db) => enqueueDueShares(db)
});
