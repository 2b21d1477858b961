/**
 * The `api_calls` usage meter, batched: every API call a tenant makes is counted here in memory,
 * and the `api.meter` job writes what was counted as ONE usage event per tenant every
 * API_METER_FLUSH_MS (and once more when the process shuts down), in one service_role transaction —
 * not a transaction per call. The usage trigger adds the events to usage_counters and refuses a
 * total past the plan's hard limit (TN071); the job then records only what is left and learns
 * each tenant's total and limit, so from then on this process refuses the tenant's calls (TN229)
 * until the month ends. Another process's calls are learnt at its next flush: the limit can be
 * overrun by at most one flush interval of calls, never recorded past it.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../platform/database';
import { runAsServiceRole } from '../platform/rls';
import { registerJob } from '../platform/scheduler';
import { ApiProblem } from './problem';

interface Allowance {
	used: number;
	hardLimit: number | null;
	/** The UTC month it was read in (YYYY-MM). */
	month: string;
}

function monthOf(now: Date): string {
	return now.toISOString().slice(0, 7);
}

function secondsToNextMonth(now: Date): number {
	const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
	return Math.ceil((next - now.getTime()) / 1000);
}

export class ApiMeter {
	private pending = new Map<string, number>();
	private readonly allowances = new Map<string, Allowance>();
	private readonly instance = randomUUID();
	private flushes = 0;

	/** Counts one call of the tenant; refuses it (TN229) when the plan's limit is known to be reached. */
	count(tenantId: string, now = new Date()): void {
		const allowance = this.allowances.get(tenantId);
		const pending = this.pending.get(tenantId) ?? 0;
		if (
			allowance &&
			allowance.hardLimit !== null &&
			allowance.month === monthOf(now) &&
			allowance.used + pending >= allowance.hardLimit
		) {
			throw new ApiProblem(
				'TN229',
				`The plan allows ${allowance.hardLimit} API calls a month; this month's are used.`,
				{ headers: { 'retry-after': String(secondsToNextMonth(now)) } }
			);
		}
		this.pending.set(tenantId, pending + 1);
	}

	/** Calls counted but not yet written. */
	get unwritten(): number {
		let total = 0;
		for (const n of this.pending.values()) total += n;
		return total;
	}

	/** Writes the counted calls (one event per tenant); returns how many calls were recorded. */
	async flush(db: Kysely<DB>): Promise<number> {
		if (this.pending.size === 0) return 0;
		const batch = this.pending;
		this.pending = new Map();
		const flush = ++this.flushes;
		try {
			return await runAsServiceRole(db, 'api.meter', async (trx) => {
				let recorded = 0;
				for (const [tenantId, calls] of batch) {
					const key = `api_calls:${this.instance}:${flush}`;
					await sql`savepoint api_meter`.execute(trx);
					try {
						await trx
							.insertInto('usage_events')
							.values({
								tenant_id: tenantId,
								metric: 'api_calls',
								quantity: calls,
								idempotency_key: key
							})
							.execute();
						recorded += calls;
					} catch (error) {
						if ((error as { code?: string }).code !== 'TN071') throw error;
						await sql`rollback to savepoint api_meter`.execute(trx);
						const [left] = await this.readAllowances(trx, [tenantId]);
						const room = left && left.hardLimit !== null ? left.hardLimit - left.used : 0;
						if (room > 0) {
							await trx
								.insertInto('usage_events')
								.values({
									tenant_id: tenantId,
									metric: 'api_calls',
									quantity: room,
									idempotency_key: key
								})
								.execute();
							recorded += room;
						}
					}
				}
				const month = monthOf(new Date());
				for (const row of await this.readAllowances(trx, [...batch.keys()])) {
					this.allowances.set(row.tenantId, { used: row.used, hardLimit: row.hardLimit, month });
				}
				return recorded;
			});
		} catch (error) {
			for (const [tenantId, calls] of batch) {
				this.pending.set(tenantId, (this.pending.get(tenantId) ?? 0) + calls);
			}
			throw error;
		}
	}

	private async readAllowances(
		trx: Parameters<Parameters<typeof runAsServiceRole>[2]>[0],
		ids: string[]
	) {
		const { rows } = await sql<{ tenant_id: string; used: string; hard_limit: string | null }>`
			select tenant_id, used, hard_limit from private.api_call_allowance(${ids}::uuid[])`.execute(trx);
		return rows.map((r) => ({
			tenantId: r.tenant_id,
			used: Number(r.used),
			hardLimit: r.hard_limit === null ? null : Number(r.hard_limit)
		}));
	}
}

const METER = Symbol.for('tenantry.api.meter');

/** The process's meter (one per process, however many copies of this module are loaded). */
export function apiMeter(): ApiMeter {
	const holder = globalThis as { [METER]?: ApiMeter };
	holder[METER] ??= new ApiMeter();
	return holder[METER];
}

registerJob({
	name: 'api.meter',
	intervalMs: (config) => config.API_METER_FLUSH_MS,
	run: (db) => apiMeter().flush(db),
	onShutdown: (db) => apiMeter().flush(db)
});

registerJob({
	name: 'api.idempotency_purge',
	intervalMs: () => 60 * 60 * 1000,
	run: (db) =>
		runAsServiceRole(db, 'api.idempotency_purge', (trx) =>
			sql`select private.purge_api_idempotency()`.execute(trx)
		)
});
