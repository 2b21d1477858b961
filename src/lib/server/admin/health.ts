/**
 * The console's system health page (docs/admin.md, docs/operations.md#system-health): /metrics'
 * figures read from the same source (observability/metrics.ts: this process's request counters
 * and the database gauges), plus what public.admin_system_health() reads as the super_admin:
 * storage per bucket, failed payments and recent security events. Its tables are DataTables over
 * rows held in memory (a few hundred at most), paged, searched and sorted here by the URL's list
 * parameters as SQL lists are.
 */
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { paramNames, type ListPage, type SortDir } from '../../components/data-table/list';
import type { DB } from '../platform/database';
import type { Engine } from '../platform/engine';
import {
	databaseGauges,
	poolUse,
	requestSummary,
	type GaugeFamily,
	type RouteSummary
} from '../platform/observability/metrics';

export const HEALTH_WINDOWS = [1, 24, 168] as const;

const eventSchema = z.object({
	at: z.string(),
	kind: z.enum(['sign_in_failed', 'sign_in_blocked', 'mfa_unverified', 'scim_refused']),
	tenant: z.string().nullable(),
	subject: z.string().nullable(),
	address: z.string().nullable(),
	detail: z.string()
});

const healthSchema = z.object({
	hours: z.number(),
	storage: z.array(z.object({ bucket: z.string(), objects: z.number(), bytes: z.number() })),
	failed_payments: z.object({
		count: z.number(),
		by_currency: z.array(z.object({ currency: z.string(), count: z.number(), amount: z.number() })),
		latest: z.array(
			z.object({
				at: z.string(),
				tenant: z.string(),
				amount: z.number(),
				currency: z.string(),
				provider: z.string(),
				reason: z.string().nullable()
			})
		)
	}),
	sign_ins: z
		.object({ failures: z.number(), accounts: z.number(), blocked_addresses: z.number() })
		.nullable(),
	mfa_unverified: z.number(),
	scim_refused: z.number(),
	events: z.array(eventSchema)
});

export type SecurityEvent = z.infer<typeof eventSchema> & { id: string };

/** public.admin_system_health(hours), checked at the boundary (super_admin: TN061 otherwise). */
export async function databaseHealth(trx: Transaction<DB>, hours: number) {
	const { rows } = await sql<{
		health: unknown;
	}>`select public.admin_system_health(${hours}::integer) as health`.execute(trx);
	return healthSchema.parse(rows[0]?.health);
}

export interface QueueHealth {
	queue: string;
	pending: number;
	running: number;
	failed: number;
	oldestDueSeconds: number;
}

/** The /metrics gauges (the same query), arranged for the page. */
export async function metricsHealth(engine: Engine) {
	const gauges = await databaseGauges(engine, poolUse(engine));
	const family = (name: string): GaugeFamily['samples'] =>
		gauges.find((g) => g.name === name)?.samples ?? [];
	const one = (name: string) => family(name)[0]?.value ?? 0;
	const queues = new Map<string, QueueHealth>();
	const put = (name: string, field: keyof Omit<QueueHealth, 'queue'>) => {
		for (const { labels, value } of family(name)) {
			const queue = labels.queue!;
			const row = queues.get(queue) ?? {
				queue,
				pending: 0,
				running: 0,
				failed: 0,
				oldestDueSeconds: 0
			};
			row[field] = value;
			queues.set(queue, row);
		}
	};
	put('tenantry_jobs_pending', 'pending');
	put('tenantry_jobs_running', 'running');
	put('tenantry_jobs_failed', 'failed');
	put('tenantry_jobs_oldest_due_seconds', 'oldestDueSeconds');
	const pool = Object.fromEntries(
		family('tenantry_db_pool_connections').map((s) => [s.labels.state, s.value])
	);
	return {
		queues: [...queues.values()],
		mail: {
			backlog: one('tenantry_mail_backlog'),
			oldestSeconds: one('tenantry_mail_oldest_seconds'),
			dead: one('tenantry_mail_dead')
		},
		webhooks: {
			backlog: one('tenantry_webhook_backlog'),
			oldestSeconds: one('tenantry_webhook_oldest_seconds'),
			failed: one('tenantry_webhook_failed')
		},
		pool: {
			max: pool.max ?? 0,
			inUse: pool.in_use ?? 0,
			idle: pool.idle ?? 0,
			waiting: one('tenantry_db_pool_waiting')
		}
	};
}

export type RouteRow = RouteSummary & { id: string; perMinute: number };

/** This process's requests per route, with a rate over its uptime. */
export function routeRows(uptimeSeconds: number): RouteRow[] {
	const minutes = Math.max(uptimeSeconds / 60, 1 / 60);
	return requestSummary().map((r) => ({
		...r,
		id: `${r.method} ${r.route}`,
		perMinute: r.requests / minutes
	}));
}

interface MemoryListSpec<R> {
	prefix?: string;
	sorts: Record<string, (row: R) => string | number>;
	defaultSort: string;
	defaultDir: SortDir;
	search: (row: R) => string;
	limit?: number;
}

/**
 * One page of rows held in memory, as a DataTable's ListPage: the URL's search (every word must
 * appear), sort and direction, and an offset as the cursor. Unknown parameters fall back with a
 * sentence, as SQL lists do.
 */
export function memoryListPage<R>(
	rows: R[],
	search: URLSearchParams,
	spec: MemoryListSpec<R>
): ListPage<R> {
	const names = paramNames(spec.prefix);
	const limit = spec.limit ?? 25;
	const problems: string[] = [];
	const q = (search.get(names.q) ?? '').trim().slice(0, 200);
	let sort = search.get(names.sort) ?? spec.defaultSort;
	if (!(sort in spec.sorts)) {
		problems.push('That sort is not offered here; the default order is shown.');
		sort = spec.defaultSort;
	}
	const dirParam = search.get(names.dir);
	const dir: SortDir = dirParam === 'asc' || dirParam === 'desc' ? dirParam : spec.defaultDir;
	const cursorParam = search.get(names.cursor);
	let offset = cursorParam === null ? 0 : Number(cursorParam);
	if (!Number.isInteger(offset) || offset < 0) {
		problems.push('That page link is not valid; the first page is shown.');
		offset = 0;
	}
	const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
	const key = spec.sorts[sort]!;
	const matching = rows
		.filter((row) => {
			const text = spec.search(row).toLowerCase();
			return terms.every((t) => text.includes(t));
		})
		.sort((a, b) => {
			const [x, y] = [key(a), key(b)];
			const order =
				typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
			return dir === 'asc' ? order : -order;
		});
	if (offset >= matching.length && matching.length > 0) offset = 0;
	return {
		rows: matching.slice(offset, offset + limit),
		total: matching.length,
		q,
		sort,
		dir,
		limit,
		cursor: offset ? String(offset) : null,
		next: offset + limit < matching.length ? String(offset + limit) : null,
		prev: offset > 0 ? String(Math.max(offset - limit, 0)) : null,
		problem: problems.length ? problems.join(' ') : null,
		names,
		defaults: { sort: spec.defaultSort, dir: spec.defaultDir, limit }
	};
}
